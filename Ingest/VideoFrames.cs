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
        if (!File.Exists(path))
            throw new FileNotFoundException($"Video '{path}' does not exist.", path);
        var frames = new List<DecodedVideoFrame>();
        await StreamAsync(path, keep, frame =>
        {
            frames.Add(frame);
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return frames;
    }

    /// <summary>Decodes a video file or a live source (any location a camera takes: RTSP, HTTP, a device) and hands the
    /// kept frames over one at a time; decoding waits while <paramref name="onFrame"/> works. Returns the frames decoded.
    /// A live source runs until <paramref name="cancellationToken"/> stops it (then it returns normally).</summary>
    public static async Task<long> StreamAsync(string location, Func<long, bool> keep, Func<DecodedVideoFrame, ValueTask> onFrame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keep);
        ArgumentNullException.ThrowIfNull(onFrame);
        var source = IngestOptionsValidator.BuildSources(new IngestOptions { Cameras = [new CameraOptions { Id = "file", Source = location }] })[0];
        if (!source.IsLive && !File.Exists(location))
            throw new FileNotFoundException($"Video '{location}' does not exist.", location);
        long index = 0;
        var outcome = await new FfmpegDecoder(null).DecodeAsync(source, async frame =>
        {
            long at = index++;
            if (keep(at))
                await onFrame(new DecodedVideoFrame(at, frame.Width, frame.Height, frame.Pixels)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (outcome.Status is DecodeStatus.Failed)
            throw new InvalidDataException($"Video '{source.DisplayLocation}' could not be decoded: {outcome.Error}");
        return index;
    }

    /// <summary>How many frames a video file should decode to (from its container's duration and rate), or null when
    /// the file does not say.</summary>
    public static async Task<long?> ExpectedFramesAsync(string path, CancellationToken cancellationToken = default)
    {
        var probe = await FileProbe.ProbeAsync(path, new FFMpegCore.FFOptions(), cancellationToken).ConfigureAwait(false);
        return probe.ExpectedFrames(null);
    }

    /// <summary>A video file's average frame rate, or null when its container does not say.</summary>
    public static async Task<double?> FrameRateAsync(string path, CancellationToken cancellationToken = default)
    {
        var probe = await FileProbe.ProbeAsync(path, new FFMpegCore.FFOptions(), cancellationToken).ConfigureAwait(false);
        return probe.FrameRate > 0 ? probe.FrameRate : null;
    }
}
