using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FFMpegCore;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Ingest.Decoding;

/// <summary>
/// Runs FFmpeg over one source and streams RGB24 frames to a callback: rate sampling with the fps
/// filter, resizing with the configured scaler, audio and subtitles dropped, source-specific
/// network options and timeouts. FFMpegCore builds the command line (and probes files, see
/// <see cref="FileProbe"/>); the process itself is run here, because FFMpegCore's pipe is a Unix
/// socket whose 208 KiB buffer cannot be enlarged, while a real pipe can (see <see cref="PipeBuffer"/>).
/// FFmpeg sends YUV 4:2:0 and we convert to RGB (<see cref="Yuv420ToRgb24"/>) on our own core.
/// </summary>
internal sealed partial class FfmpegDecoder(string? ffmpegFolder)
{
    private const int PipeBytes = 1 << 20;
    private const int MaxErrorLines = 50;

    /// <summary>Planar 4:2:0 in YUV4MPEG2 framing, written one plane per system call ("direct"):
    /// half the bytes of RGB, and far fewer hand-overs between FFmpeg and us.</summary>
    internal const string PipeFormat = "-pix_fmt yuv420p -f yuv4mpegpipe -avioflags direct";

    public async Task<DecodeOutcome> DecodeAsync(CameraSource source, Func<DecodedFrame, ValueTask> onFrame, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(FfmpegBinary, "-hide_banner -nostdin -nostats -loglevel error " + Arguments(source))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new Win32Exception("no process was started");
        }
        catch (Win32Exception ex)
        {
            return new DecodeOutcome(DecodeStatus.Failed, 0,
                $"FFmpeg could not be started ('{FfmpegBinary}': {ex.Message}); install it (apt-get install ffmpeg) or set Ingest:FfmpegFolder.");
        }

        using (process)
        {
            var errorLines = new List<string>();
            var stderr = Task.Factory.StartNew(
                () => CollectErrors(process.StandardError, errorLines),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            var stdout = process.StandardOutput.BaseStream;
            PipeBuffer.TryEnlarge(stdout, PipeBytes);
            // Cancelling kills FFmpeg: its output is a pipe, so there is nothing to finalise, and
            // the kill unblocks our read with an end of stream.
            using var stop = cancellationToken.Register(() => KillQuietly(process));

            // The pipe is read on a thread of its own: its reads block (see Y4mStreamReader), and
            // a camera must never hold a thread-pool thread for its whole life.
            (long Frames, string? BadOutput, bool Cancelled) read;
            try
            {
                read = await Task.Factory.StartNew(
                    () => ReadFrames(stdout, onFrame),
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default).ConfigureAwait(false);
            }
            finally
            {
                // Whatever ended the loop (including an exception from the callback, which goes to
                // the caller), FFmpeg must not outlive it.
                if (!process.HasExited)
                    KillQuietly(process);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                await stderr.ConfigureAwait(false);
            }
            var (frames, badOutput, cancelled) = read;

            if (cancelled || cancellationToken.IsCancellationRequested)
                return new DecodeOutcome(DecodeStatus.Cancelled, frames, null);
            string? errors;
            lock (errorLines)
                errors = Condense(errorLines);
            if (badOutput is not null)
                return new DecodeOutcome(DecodeStatus.Failed, frames, badOutput);
            if (process.ExitCode != 0)
                return new DecodeOutcome(DecodeStatus.Failed, frames, errors ?? $"FFmpeg exited with code {process.ExitCode}.");
            return errors is null
                ? new DecodeOutcome(DecodeStatus.Completed, frames, null)
                : new DecodeOutcome(DecodeStatus.CompletedWithErrors, frames, errors);
        }
    }

    private static void CollectErrors(StreamReader stderr, List<string> lines)
    {
        while (stderr.ReadLine() is { } line)
        {
            lock (lines)
            {
                if (lines.Count < MaxErrorLines && !string.IsNullOrWhiteSpace(line))
                    lines.Add(line);
            }
        }
    }

    private static (long Frames, string? BadOutput, bool Cancelled) ReadFrames(Stream stdout, Func<DecodedFrame, ValueTask> onFrame)
    {
        long frames = 0;
        try
        {
            var reader = new Y4mStreamReader(stdout, IngestOptionsValidator.MaxDimension);
            while (reader.ReadFrame() is { } frame)
            {
                var delivered = onFrame(frame);
                if (!delivered.IsCompletedSuccessfully)
                    delivered.AsTask().GetAwaiter().GetResult(); // back-pressure: this thread waits, FFmpeg blocks on the pipe
                frames++;
            }
            return (frames, null, false);
        }
        catch (InvalidDataException ex)
        {
            return (frames, ex.Message, false);
        }
        catch (OperationCanceledException)
        {
            // Our token, or the callback's own (a publish cancelled by a linked token may be
            // observed here a moment before our token reports it): either way, stop.
            return (frames, null, true);
        }
    }

    private string FfmpegBinary => Binary(ffmpegFolder);

    /// <summary>The ffmpeg program in <paramref name="folder"/>, or on PATH when none is configured.</summary>
    internal static string Binary(string? folder) => string.IsNullOrEmpty(folder) ? "ffmpeg" : Path.Combine(folder, "ffmpeg");

    /// <summary>The FFmpeg command line (without the logging flags) that decodes <paramref name="source"/> to YUV4MPEG2 frames on stdout.</summary>
    internal static string Arguments(CameraSource source)
    {
        string inputArguments = InputArguments(source);
        var input = source.Kind == SourceKind.File
            ? FFMpegArguments.FromFileInput(source.Location, verifyExists: false, options => AddCustom(options, inputArguments))
            : FFMpegArguments.FromUrlInput(new Uri(source.Location), options => AddCustom(options, inputArguments));
        return input
            .OutputToUrl("pipe:1", output => output.WithCustomArgument(OutputArguments(source) + " " + PipeFormat))
            .Arguments;
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

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
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
