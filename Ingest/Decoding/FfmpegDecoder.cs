using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Exceptions;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Ingest.Decoding;

/// <summary>
/// Runs FFmpeg (through FFMpegCore) over one source and streams RGB24 frames to a callback:
/// rate sampling with the fps filter, resizing with the configured scaler, audio and subtitles
/// dropped, source-specific network options and timeouts.
/// </summary>
internal sealed partial class FfmpegDecoder(FFOptions ffOptions)
{
    /// <summary>How long FFmpeg gets to quit after 'q' before it is killed.</summary>
    private static readonly TimeSpan s_quitGrace = TimeSpan.FromSeconds(2);
    private const int MaxErrorLines = 50;

    public async Task<DecodeOutcome> DecodeAsync(CameraSource source, Func<DecodedFrame, ValueTask> onFrame, CancellationToken cancellationToken)
    {
        var errorLines = new ConcurrentQueue<string>();
        var sink = new PpmPipeSink(onFrame, IngestOptionsValidator.MaxDimension);
        var processor = Input(source)
            .OutputToPipe(sink, output => output.WithCustomArgument(OutputArguments(source)))
            .WithLogLevel(FFMpegLogLevel.Error)
            .NotifyOnStandardError(line =>
            {
                if (errorLines.Count < MaxErrorLines && !string.IsNullOrWhiteSpace(line))
                    errorLines.Enqueue(line);
            });

        FFMpegCore.FFMpegResult result;
        try
        {
            result = await processor
                .CancellableThrough(cancellationToken, s_quitGrace)
                // Cancellation goes through CancellableThrough, which has our shorter grace period.
                .ProcessAsynchronously(throwOnError: false, ffOptions, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new DecodeOutcome(DecodeStatus.Cancelled, sink.Frames, null);
        }
        catch (FFMpegException ex) when (ex is not FFMpegProcessException)
        {
            // FFmpeg itself is missing or could not be started.
            return new DecodeOutcome(DecodeStatus.Failed, sink.Frames, $"FFmpeg could not be run: {ex.Message}");
        }

        if (cancellationToken.IsCancellationRequested)
            return new DecodeOutcome(DecodeStatus.Cancelled, sink.Frames, null);
        string? errors = Condense(errorLines);
        // A failure of the frame callback other than bad FFmpeg output (the transport failed, say)
        // is not a property of this source: it goes to the caller as it is.
        if (sink.Error is { } sinkError and not InvalidDataException and not OperationCanceledException)
            ExceptionDispatchInfo.Capture(sinkError).Throw();
        if (sink.Error is InvalidDataException bad)
            return new DecodeOutcome(DecodeStatus.Failed, sink.Frames, bad.Message);
        if (result.ExitCode != 0)
            return new DecodeOutcome(DecodeStatus.Failed, sink.Frames, errors ?? $"FFmpeg exited with code {result.ExitCode}.");
        return errors is null
            ? new DecodeOutcome(DecodeStatus.Completed, sink.Frames, null)
            : new DecodeOutcome(DecodeStatus.CompletedWithErrors, sink.Frames, errors);
    }

    internal static FFMpegArguments Input(CameraSource source)
    {
        string inputArguments = InputArguments(source);
        return source.Kind == SourceKind.File
            ? FFMpegArguments.FromFileInput(source.Location, verifyExists: false, options => AddCustom(options, inputArguments))
            : FFMpegArguments.FromUrlInput(new Uri(source.Location), options => AddCustom(options, inputArguments));
    }

    internal static string InputArguments(CameraSource source)
    {
        long readTimeoutMicroseconds = (long)source.ReadTimeout.TotalMicroseconds;
        return source.Kind switch
        {
            SourceKind.Rtsp when source.Listen => string.Create(CultureInfo.InvariantCulture,
                $"-rtsp_flags listen -listen_timeout {Math.Max(1, (int)Math.Ceiling(source.ConnectTimeout.TotalSeconds))} -rtsp_transport {Transport(source)}"),
            SourceKind.Rtsp => string.Create(CultureInfo.InvariantCulture,
                $"-rtsp_transport {Transport(source)} -timeout {readTimeoutMicroseconds}"),
            SourceKind.Http => string.Create(CultureInfo.InvariantCulture, $"-rw_timeout {readTimeoutMicroseconds}"),
            _ => string.Empty,
        };
    }

    internal static string OutputArguments(CameraSource source)
    {
        var filters = new List<string>();
        if (source.FrameRate is { } rate)
            filters.Add(string.Create(CultureInfo.InvariantCulture, $"fps={rate:0.######}"));
        if (source.Width is not null || source.Height is not null)
        {
            string scaler = source.Scaler.ToString().ToLowerInvariant();
            filters.Add(string.Create(CultureInfo.InvariantCulture, $"scale={source.Width ?? -1}:{source.Height ?? -1}:flags={scaler}"));
        }
        // Without rate sampling keep exactly the source's frames: FFmpeg would otherwise duplicate or
        // drop frames to hold a constant rate, because the pipe format carries no timestamps.
        string timing = source.FrameRate is null ? "-fps_mode passthrough" : string.Empty;
        string vf = filters.Count > 0 ? $"-vf \"{string.Join(',', filters)}\"" : string.Empty;
        return string.Join(' ', new[] { "-an -sn -dn", timing, vf }.Where(s => s.Length > 0));
    }

    private static string Transport(CameraSource source) => source.RtspTransport == RtspTransport.Udp ? "udp" : "tcp";

    private static void AddCustom(FFMpegInputOptions options, string arguments)
    {
        if (arguments.Length > 0)
            options.WithCustomArgument(arguments);
    }

    /// <summary>FFmpeg's error lines without the "[codec @ 0x55...]" addresses, repeats removed, at most three.</summary>
    internal static string? Condense(IEnumerable<string> lines)
    {
        var distinct = lines
            .Select(line => AddressPattern().Replace(line, "[$1]").Trim())
            .Where(line => line.Length > 0 && !TagOnlyPattern().IsMatch(line) && !line.StartsWith("Last message repeated", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (distinct.Count == 0)
            return null;
        string text = string.Join("; ", distinct.Take(3));
        return distinct.Count > 3 ? $"{text}; (+{distinct.Count - 3} more)" : text;
    }

    [GeneratedRegex(@"\[([A-Za-z0-9_,\-]+) @ 0x[0-9a-f]+\]")]
    private static partial Regex AddressPattern();

    // FFmpeg splits some messages over two lines; the first is then just the "[codec]" tag.
    [GeneratedRegex(@"^\[[A-Za-z0-9_,\-]+\]$")]
    private static partial Regex TagOnlyPattern();
}
