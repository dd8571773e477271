using System.Globalization;
using FFMpegCore;
using FFMpegCore.Exceptions;

namespace UniHCP.Pipeline.Ingest.Decoding;

/// <summary>What ingest needs to know about a video file before decoding it.</summary>
/// <param name="Width">Coded width in pixels.</param>
/// <param name="Height">Coded height in pixels.</param>
/// <param name="FrameRate">Average frames per second (0 when the container does not say).</param>
/// <param name="Duration">Length of the video.</param>
/// <param name="CreationTime">The container's creation_time tag, when present.</param>
/// <param name="Codec">Video codec name.</param>
internal sealed record FileProbe(int Width, int Height, double FrameRate, TimeSpan Duration, DateTimeOffset? CreationTime, string Codec)
{
    /// <summary>Frames we expect the file to hold, or null when the container does not say enough.</summary>
    public long? ExpectedFrames(double? sampledRate)
    {
        double rate = sampledRate ?? FrameRate;
        return rate > 0 && Duration > TimeSpan.Zero ? (long)Math.Round(Duration.TotalSeconds * rate) : null;
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Width}x{Height} {Codec} at {FrameRate:0.###} frames/s, {Duration.TotalSeconds:0.###} s");

    /// <summary>Probes a file; throws <see cref="InvalidDataException"/> naming the problem when it is not a usable video.</summary>
    public static async Task<FileProbe> ProbeAsync(string path, FFOptions ffOptions, CancellationToken cancellationToken)
    {
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(path, ffOptions, customArguments: null, cancellationToken).ConfigureAwait(false);
        }
        catch (FFProbeProcessException ex)
        {
            string detail = FfmpegDecoder.Condense(ex.StandardError ?? []) ?? ex.Message;
            throw new InvalidDataException($"'{path}' is not a readable video file: {detail}", ex);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"'{path}' could not be probed: {ex.Message}", ex);
        }
        var video = analysis.PrimaryVideoStream
            ?? throw new InvalidDataException($"'{path}' has no video stream.");
        if (video.Width is not > 0 || video.Height is not > 0)
            throw new InvalidDataException($"'{path}' has a video stream without a frame size.");
        double rate = double.IsFinite(video.AverageFrameRate) && video.AverageFrameRate > 0 ? video.AverageFrameRate
            : double.IsFinite(video.RealFrameRate) && video.RealFrameRate > 0 ? video.RealFrameRate : 0;
        DateTimeOffset? created = DateTimeOffset.TryParse(
            analysis.Format.GetCreationTime() ?? video.GetCreationTime(),
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
        return new FileProbe(video.Width!.Value, video.Height!.Value, rate, analysis.Duration, created, video.CodecName ?? "unknown");
    }
}
