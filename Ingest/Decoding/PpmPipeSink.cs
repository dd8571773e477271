using FFMpegCore.Pipes;

namespace UniHCP.Pipeline.Ingest.Decoding;

/// <summary>
/// Receives FFmpeg's PPM frame stream and hands each frame to a callback. The callback is where
/// back-pressure comes from: while it waits, we stop reading and FFmpeg blocks on its pipe.
/// </summary>
internal sealed class PpmPipeSink(Func<DecodedFrame, ValueTask> onFrame, int maxDimension) : IPipeSink
{
    private long _frames;

    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Why reading stopped early, when it did. Kept here because FFMpegCore reports a broken
    /// pipe as FFmpeg's failure and drops the sink's own exception.</summary>
    public Exception? Error { get; private set; }

    public string GetStreamArguments() => "-c:v ppm -pix_fmt rgb24 -f image2pipe";

    public async Task ReadAsync(Stream inputStream, CancellationToken cancellationToken)
    {
        // FFMpegCore cancels its token as soon as FFmpeg exits, while frames may still sit in the
        // pipe; reading with it would silently lose them. The pipe reaches end-of-stream when FFmpeg
        // exits or is killed, which is the only stop signal we need here.
        _ = cancellationToken;
        var reader = new PpmStreamReader(inputStream, maxDimension);
        try
        {
            while (await reader.ReadFrameAsync(CancellationToken.None).ConfigureAwait(false) is { } frame)
            {
                await onFrame(frame).ConfigureAwait(false);
                Interlocked.Increment(ref _frames);
            }
        }
        catch (Exception ex)
        {
            Error = ex;
            throw;
        }
    }
}
