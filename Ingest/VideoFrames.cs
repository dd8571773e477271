using UniHCP.Pipeline.Ingest.Configuration;
using UniHCP.Pipeline.Ingest.Decoding;

namespace UniHCP.Pipeline.Ingest;

/// <summary>One decoded frame of a video file, outside the pipeline (training data, annotation).</summary>
public sealed record DecodedVideoFrame(long Index, int Width, int Height, byte[] Rgb);

/// <summary>Reads selected frames of a video file with the same FFmpeg decoding as ingest.</summary>
public static class VideoFrames
{
    /// <param name="path">Video file.</param>
    /// <param name="keep">Which 0-based frame indices to return.</param>
    /// <param name="cancellationToken">Stops decoding.</param>
    public static async Task<List<DecodedVideoFrame>> ReadAsync(string path, Func<long, bool> keep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keep);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Video '{path}' does not exist.", path);
        var source = IngestOptionsValidator.BuildSources(new IngestOptions { Cameras = [new CameraOptions { Id = "file", Source = path }] })[0];
        var frames = new List<DecodedVideoFrame>();
        long index = 0;
        var outcome = await new FfmpegDecoder(null).DecodeAsync(source, frame =>
        {
            if (keep(index))
                frames.Add(new DecodedVideoFrame(index, frame.Width, frame.Height, frame.Pixels));
            index++;
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        if (outcome.Status is DecodeStatus.Failed)
            throw new InvalidDataException($"Video '{path}' could not be decoded: {outcome.Error}");
        cancellationToken.ThrowIfCancellationRequested();
        return frames;
    }
}
