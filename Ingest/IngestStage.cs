using FFMpegCore;
using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;

namespace UniHCP.Pipeline.Ingest;

/// <summary>
/// The ingest stage: every configured camera decoded concurrently into the frames topic. Cameras
/// are isolated: one that fails ends with a Failed notice and the others go on. The stage
/// completes its publisher when every camera has ended, so downstream stages see the end; if
/// the transport itself fails, the error is passed on instead.
/// </summary>
public sealed class IngestStage
{
    private readonly IReadOnlyList<CameraSource> _sources;
    private readonly ILoggerFactory _loggerFactory;
    private readonly FFOptions _ffOptions;
    private readonly string? _ffmpegFolder;
    private readonly TimeProvider _time;
    private readonly IngestMetrics _metrics;

    /// <param name="sources">Validated cameras (see <see cref="Configuration.IngestOptionsValidator.BuildSources"/>).</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="ffmpegFolder">Folder of the ffmpeg/ffprobe binaries; null uses PATH.</param>
    /// <param name="time">Clock for live timestamps and back-off (tests may pass their own).</param>
    /// <param name="meterFactory">The host's meters (null: a meter of the stage's own).</param>
    public IngestStage(IReadOnlyList<CameraSource> sources, ILoggerFactory loggerFactory, string? ffmpegFolder = null, TimeProvider? time = null,
        System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _sources = sources;
        _loggerFactory = loggerFactory;
        _ffmpegFolder = string.IsNullOrEmpty(ffmpegFolder) ? null : ffmpegFolder;
        _ffOptions = new FFOptions { BinaryFolder = _ffmpegFolder ?? string.Empty };
        _time = time ?? TimeProvider.System;
        _metrics = new IngestMetrics(meterFactory);
    }

    public IReadOnlyList<CameraSource> Sources => _sources;

    /// <summary>Runs until every camera has ended (files) or <paramref name="cancellationToken"/> is
    /// cancelled; then completes <paramref name="publisher"/>. Returns one report per camera.</summary>
    public async Task<IReadOnlyList<CameraIngestReport>> RunAsync(ITopicPublisher<VideoFrame> publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        var logger = _loggerFactory.CreateLogger<IngestStage>();
        try
        {
            var cameras = _sources
                .Select(source => new CameraIngestor(source, publisher, _ffOptions, _ffmpegFolder, logger, _time, _metrics))
                .Select(camera => Task.Run(() => camera.RunAsync(cancellationToken), CancellationToken.None))
                .ToArray();
            var reports = await Task.WhenAll(cameras).ConfigureAwait(false);
            publisher.Complete();
            return reports;
        }
        catch (Exception ex)
        {
            publisher.Complete(ex);
            throw;
        }
    }
}
