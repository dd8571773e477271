using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Perception;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>
/// Search by example: the uploaded person crop is treated as one person filling the image and
/// described with the engine's ReID task, exactly as crops from the cameras are, so the embedding
/// lives in the same space as the stored tracks'. The engine is used by one request at a time, always on the same
/// thread (<see cref="ModelThread"/>: requests resume on any pool thread, and each would get its own OpenMP team).
/// </summary>
public sealed class ExampleEmbedder(PerceptionEngine engine, long maxPixels = 16L * 1024 * 1024) : IPersonEmbedder, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ModelThread _modelThread = new("example embedder");

    public string ModelVersion => engine.ModelVersion;

    public async Task<float[]> EmbedAsync(ReadOnlyMemory<byte> encodedImage, CancellationToken cancellationToken = default)
    {
        RgbImage image;
        try
        {
            image = ImageCodec.Decode(encodedImage.Span, "the uploaded image", maxPixels);
        }
        catch (InvalidDataException ex)
        {
            throw new ImageRejectedException(ex.Message, ex);
        }
        if (image.Width < 8 || image.Height < 16)
            throw new ImageRejectedException($"the uploaded image is {image.Width}x{image.Height}; a person crop needs at least 8x16 pixels.");

        var frame = new VideoFrame("example", 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, image.Width, image.Height, PixelFormat.Rgb24, image.Pixels);
        var whole = new Detection(new BoundingBox(0, 0, image.Width, image.Height), 1f);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var described = await _modelThread.RunAsync(() => engine.Describe([frame], [[whole]])).WaitAsync(cancellationToken).ConfigureAwait(false);
            var embedding = described[0].Persons[0].Embedding;
            if (embedding.IsEmpty)
                throw new InvalidOperationException($"the model {engine.ModelVersion} does not run ReID, so it cannot search by example (enable the reid task).");
            return embedding.ToArray();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends the model thread after the request in flight; the engine stays the caller's.</summary>
    public void Dispose()
    {
        _modelThread.Dispose();
        _gate.Dispose();
    }
}
