using System.Globalization;
using FFMpegCore;
using FFMpegCore.Exceptions;
using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Ingest.Decoding;

namespace UniHCP.Pipeline.Ingest;

/// <summary>
/// Ingest of one camera: decodes its source, numbers and timestamps the frames, publishes them,
/// reconnects live sources, and always ends the camera's stream with a terminal notice. Any
/// problem with the source ends or pauses this camera only; only a failure of the transport
/// itself (which would affect every camera) escapes.
/// </summary>
internal sealed class CameraIngestor(
    CameraSource source,
    ITopicPublisher<VideoFrame> publisher,
    FFOptions ffOptions,
    string? ffmpegFolder,
    ILogger logger,
    TimeProvider time,
    IngestMetrics metrics)
{
    private readonly FfmpegDecoder _decoder = new(ffmpegFolder);
    private long _nextSequence;
    private int _connections;
    private int _width;
    private int _height;
    private double? _sourceRate;

    public async Task<CameraIngestReport> RunAsync(CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        var (status, message) = source.IsLive
            ? await RunLiveAsync(cancellationToken).ConfigureAwait(false)
            : await RunFileAsync(cancellationToken).ConfigureAwait(false);

        var (kind, detail) = status switch
        {
            CameraIngestStatus.Failed => (CameraNoticeKind.Failed, message),
            CameraIngestStatus.Stopped => (CameraNoticeKind.EndOfStream, "ingest stopped before the source ended"),
            _ => (CameraNoticeKind.EndOfStream, message),
        };
        // The terminal notice is published even during shutdown: downstream stages finish a
        // camera's work when they see it, and draining consumers are still reading.
        await PublishNoticeAsync(kind, detail, CancellationToken.None).ConfigureAwait(false);
        switch (status)
        {
            case CameraIngestStatus.Failed:
                metrics.Failure(source.Id);
                IngestLog.Failed(logger, source.Id, _nextSequence, message ?? "unknown error");
                break;
            case CameraIngestStatus.Stopped:
                IngestLog.Stopped(logger, source.Id, _nextSequence);
                break;
            default:
                IngestLog.EndOfStream(logger, source.Id, _nextSequence);
                break;
        }
        return new CameraIngestReport(source.Id, source.DisplayLocation, status, _nextSequence, _width, _height,
            _connections, time.GetElapsedTime(started), message, _sourceRate);
    }

    private async Task<(CameraIngestStatus, string?)> RunFileAsync(CancellationToken cancellationToken)
    {
        if (Directory.Exists(source.Location))
            return (CameraIngestStatus.Failed, $"'{source.Location}' is a directory, not a video file.");
        if (!File.Exists(source.Location))
            return (CameraIngestStatus.Failed, $"file not found: '{source.Location}'.");

        // Probe and decode start together (the probe is the slower to start); the probe's facts
        // (start time, rate) are awaited before the first frame is published.
        var probing = ProbeAsync(cancellationToken);
        using var stopDecoding = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        FileProbe? probe = null;
        string? probeError = null;
        DateTimeOffset start = default;
        double rate = 0;
        long index = 0;
        var outcome = await _decoder.DecodeAsync(source, async frame =>
        {
            if (probe is null)
            {
                (probe, probeError) = await probing.ConfigureAwait(false);
                if (probe is null)
                {
                    await stopDecoding.CancelAsync().ConfigureAwait(false);
                    return;
                }
                start = source.StartTime ?? probe.CreationTime ?? time.GetUtcNow();
                rate = source.FrameRate ?? (probe.FrameRate > 0 ? probe.FrameRate : 25);
                _sourceRate = rate;
                _connections = 1;
                IngestLog.Opened(logger, source.Id, source.DisplayLocation, probe.Describe());
                await PublishNoticeAsync(CameraNoticeKind.Connected, probe.Describe(), cancellationToken).ConfigureAwait(false);
            }
            // Timestamps of a file come from its own clock: frame index over the output rate.
            var streamTime = TimeSpan.FromSeconds(index++ / rate);
            await PublishFrameAsync(frame, start + streamTime, streamTime, OverflowPolicy.Wait, cancellationToken).ConfigureAwait(false);
        }, stopDecoding.Token).ConfigureAwait(false);
        if (probe is null && probeError is null)
            (probe, probeError) = await probing.ConfigureAwait(false);
        if (cancellationToken.IsCancellationRequested)
            return (CameraIngestStatus.Stopped, null);
        if (probe is null)
            return (CameraIngestStatus.Failed, probeError);

        long? expected = probe.ExpectedFrames(source.FrameRate);
        string shortfall = expected is { } e && outcome.Frames < e * 0.98
            ? string.Create(CultureInfo.InvariantCulture, $" ({outcome.Frames} of about {e} frames)")
            : string.Empty;
        return outcome.Status switch
        {
            DecodeStatus.Completed when shortfall.Length > 0 =>
                (CameraIngestStatus.Completed, $"the file ended early{shortfall}; it may be truncated."),
            DecodeStatus.Completed => (CameraIngestStatus.Completed, null),
            DecodeStatus.Cancelled => (CameraIngestStatus.Stopped, null),
            DecodeStatus.CompletedWithErrors =>
                (CameraIngestStatus.Failed, $"the file is damaged or truncated: decoding errors after {outcome.Frames} frames{shortfall}: {outcome.Error}"),
            _ => (CameraIngestStatus.Failed, $"decoding failed after {outcome.Frames} frames: {outcome.Error}"),
        };
    }

    /// <summary>The file's probe, or the reason it is not a usable video (null, null when cancelled).</summary>
    private async Task<(FileProbe? Probe, string? Error)> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await FileProbe.ProbeAsync(source.Location, ffOptions, cancellationToken).ConfigureAwait(false), null);
        }
        catch (InvalidDataException ex)
        {
            return (null, ex.Message);
        }
        catch (FFMpegException ex)
        {
            return (null, $"ffprobe could not be run: {ex.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (null, null);
        }
    }

    private async Task<(CameraIngestStatus, string?)> RunLiveAsync(CancellationToken cancellationToken)
    {
        int failures = 0;
        string? lastFailure = null;
        // Stopped while connected needs no detail; stopped while still trying to (re)connect tells the operator why no
        // frame came, which the camera table would otherwise leave blank.
        (CameraIngestStatus, string?) Stopped() => (CameraIngestStatus.Stopped, failures > 0 && lastFailure is not null
            ? string.Create(CultureInfo.InvariantCulture, $"stopped while reconnecting, after {failures} failed connection attempt(s): {lastFailure}")
            : null);
        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
                return Stopped();

            bool connected = false;
            long connectedAt = time.GetTimestamp();
            using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            watchdog.CancelAfter(source.ConnectTimeout);
            var outcome = await _decoder.DecodeAsync(source, async frame =>
            {
                if (!connected)
                {
                    connected = true;
                    _connections++;
                    connectedAt = time.GetTimestamp();
                    IngestLog.Connected(logger, source.Id, source.DisplayLocation, _nextSequence);
                    await PublishNoticeAsync(CameraNoticeKind.Connected,
                        string.Create(CultureInfo.InvariantCulture, $"{frame.Width}x{frame.Height}"), cancellationToken).ConfigureAwait(false);
                }
                watchdog.CancelAfter(source.ReadTimeout);
                // Live frames are stamped with the wall clock; waiting on a slow consumer never counts
                // as a stall (the publish uses the outer token, not the watchdog's).
                await PublishFrameAsync(frame, time.GetUtcNow(), time.GetElapsedTime(connectedAt),
                    OverflowPolicy.DropOldest, cancellationToken).ConfigureAwait(false);
            }, watchdog.Token).ConfigureAwait(false);

            if (cancellationToken.IsCancellationRequested)
                return connected ? (CameraIngestStatus.Stopped, null) : Stopped();

            string reason = outcome.Status switch
            {
                DecodeStatus.Cancelled when connected => $"no frame for {source.ReadTimeout.TotalSeconds:0.#} s",
                DecodeStatus.Cancelled => $"no frame within {source.ConnectTimeout.TotalSeconds:0.#} s of connecting",
                DecodeStatus.Completed or DecodeStatus.CompletedWithErrors when outcome.Error is null => "the stream ended",
                _ => outcome.Error ?? "FFmpeg failed",
            };
            failures = connected ? 0 : failures + 1;
            lastFailure = reason;
            if (source.ReconnectMaxAttempts is { } max && failures >= max)
                return (CameraIngestStatus.Failed, $"gave up after {failures} failed connection attempt(s): {reason}");

            var delay = source.ReconnectDelay(Math.Max(failures, 1));
            metrics.Disconnect(source.Id);
            IngestLog.Disconnected(logger, source.Id, reason, failures + 1, delay);
            await PublishNoticeAsync(CameraNoticeKind.Disconnected,
                string.Create(CultureInfo.InvariantCulture, $"{reason}; reconnecting in {delay.TotalSeconds:0.###} s"),
                cancellationToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return Stopped();
            }
        }
    }

    private async ValueTask PublishFrameAsync(
        DecodedFrame frame, DateTimeOffset captureTime, TimeSpan streamTime, OverflowPolicy overflow, CancellationToken cancellationToken)
    {
        var message = new VideoFrame(source.Id, _nextSequence, captureTime, streamTime,
            frame.Width, frame.Height, PixelFormat.Rgb24, frame.Pixels);
        await publisher.PublishAsync(message, overflow, cancellationToken).ConfigureAwait(false);
        metrics.Frame(source.Id);
        _nextSequence++;
        _width = frame.Width;
        _height = frame.Height;
    }

    private async ValueTask PublishNoticeAsync(CameraNoticeKind kind, string? message, CancellationToken cancellationToken)
    {
        try
        {
            await publisher.PublishNoticeAsync(
                new CameraNotice(source.Id, kind, time.GetUtcNow(), _nextSequence - 1, message), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown while a non-terminal notice waited for room; the terminal notice follows.
        }
    }
}
