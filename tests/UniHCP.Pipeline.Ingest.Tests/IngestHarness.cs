using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Ingest.Tests;

internal sealed record FrameInfo(string CameraId, long Sequence, int Width, int Height, DateTimeOffset CaptureTime, TimeSpan StreamTime, int Bytes);

/// <summary>What a test ingest run produced, as seen by a consumer of the frames topic.</summary>
internal sealed class IngestRun
{
    public ConcurrentQueue<FrameInfo> Frames { get; } = new();

    public ConcurrentQueue<CameraNotice> Notices { get; } = new();

    /// <summary>Pixels of the frames the test asked to keep, by (camera, sequence).</summary>
    public ConcurrentDictionary<(string, long), byte[]> Pixels { get; } = new();

    public IReadOnlyList<CameraIngestReport> Reports { get; set; } = [];

    public CollectingLoggerProvider Log { get; } = new();

    /// <summary>Frames the transport dropped (drop-oldest policy of live sources), by camera.</summary>
    public Dictionary<string, long> Dropped { get; } = new(StringComparer.Ordinal);

    public List<FrameInfo> FramesOf(string camera) => Frames.Where(f => f.CameraId == camera).ToList();

    public List<CameraNotice> NoticesOf(string camera) => Notices.Where(n => n.CameraId == camera).ToList();

    public CameraIngestReport ReportOf(string camera) => Reports.Single(r => r.CameraId == camera);

    public int FrameCount(string camera) => Frames.Count(f => f.CameraId == camera);
}

/// <summary>Runs the real ingest stage over the real in-process transport, with a consumer that records what arrives.</summary>
internal static class IngestHarness
{
    public static async Task<IngestRun> RunAsync(
        IEnumerable<CameraOptions> cameras,
        Func<FrameInfo, bool>? keepPixels = null,
        Action<IngestRun>? onDelivery = null,
        CancellationToken cancellationToken = default)
    {
        var run = new IngestRun();
        var sources = IngestOptionsValidator.BuildSources(new IngestOptions { Cameras = cameras.ToList() });
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(run.Log).SetMinimumLevel(LogLevel.Debug));
        await using var bus = new InProcessTransport();
        var subscription = bus.Subscribe(Topics.Frames, "test");
        var publisher = bus.CreatePublisher(Topics.Frames);
        var consumer = Task.Run(async () =>
        {
            await foreach (var delivery in subscription.ReadAllAsync(CancellationToken.None))
            {
                if (delivery.IsNotice)
                {
                    run.Notices.Enqueue(delivery.Notice);
                }
                else
                {
                    var frame = delivery.Event;
                    frame.Validate();
                    var info = new FrameInfo(frame.CameraId, frame.Sequence, frame.Width, frame.Height, frame.CaptureTime, frame.StreamTime, frame.Pixels.Length);
                    if (keepPixels?.Invoke(info) == true)
                        run.Pixels[(frame.CameraId, frame.Sequence)] = frame.Pixels.ToArray();
                    run.Frames.Enqueue(info);
                }
                subscription.Acknowledge(delivery);
                onDelivery?.Invoke(run);
            }
        }, CancellationToken.None);

        var stage = new IngestStage(sources, loggerFactory);
        run.Reports = await stage.RunAsync(publisher, cancellationToken);
        await consumer.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        foreach (var lane in bus.GetStatistics())
            run.Dropped[lane.CameraId] = run.Dropped.GetValueOrDefault(lane.CameraId) + lane.Dropped;
        return run;
    }
}
