using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Ingest.Tests;

/// <summary>
/// Live sources served by real FFmpeg processes on 127.0.0.1, killed mid-stream and restarted.
/// The tests wait on conditions (frame counts, notices), never on fixed sleeps; every wait has a timeout.
/// </summary>
public sealed class LiveIngestTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_pulled_http_stream_that_dies_is_reconnected_and_numbering_continues()
    {
        int port = FfmpegTool.FreePort();
        string url = $"http://127.0.0.1:{port}/live.ts";
        string serve = $"-re -f lavfi -i testsrc=size=320x240:rate=10 -c:v mpeg2video -g 5 -f mpegts -listen 1 {url}";
        var server = FfmpegTool.StartBackground(serve);
        using var stop = new CancellationTokenSource(s_wait);
        var firstBatch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondBatch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var camera = new CameraOptions
        {
            Id = "street",
            Source = url,
            ReadTimeout = TimeSpan.FromSeconds(5),
            Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1) },
        };

        var ingest = IngestHarness.RunAsync([camera], onDelivery: run =>
        {
            if (run.Frames.Count >= 15)
                firstBatch.TrySetResult();
            if (run.Notices.Count(n => n.Kind == CameraNoticeKind.Connected) >= 2 && run.Frames.Count >= 40)
                secondBatch.TrySetResult();
        }, cancellationToken: stop.Token);

        try
        {
            await firstBatch.Task.WaitAsync(s_wait);
            server.Kill();
            server.Dispose();
            server = FfmpegTool.StartBackground(serve);
            await secondBatch.Task.WaitAsync(s_wait);
            await stop.CancelAsync();
            var run = await ingest.WaitAsync(s_wait);

            var frames = run.FramesOf("street");
            AssertNumberingContinues(run, "street");
            Assert.All(frames, f => Assert.Equal((320, 240), (f.Width, f.Height)));
            // (Ingest may try before the server listens: a Disconnected notice can precede the first Connected.)
            var kinds = run.NoticesOf("street").Select(n => n.Kind).ToList();
            int connected = kinds.IndexOf(CameraNoticeKind.Connected);
            int lost = kinds.IndexOf(CameraNoticeKind.Disconnected, connected + 1);
            Assert.True(connected >= 0 && lost > connected, "the server's death is announced after the first connection");
            Assert.Contains(CameraNoticeKind.Connected, kinds.Skip(lost));
            Assert.Equal(CameraNoticeKind.EndOfStream, kinds[^1]);
            var report = run.ReportOf("street");
            Assert.Equal(CameraIngestStatus.Stopped, report.Status);
            Assert.True(report.Connections >= 2);
            // Live frames carry the wall clock and never go back in time.
            Assert.True(frames.Zip(frames.Skip(1)).All(p => p.First.CaptureTime <= p.Second.CaptureTime));
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task A_pushed_rtsp_stream_in_listen_mode_survives_its_sender_being_killed_and_restarted()
    {
        int port = FfmpegTool.FreePort();
        string url = $"rtsp://127.0.0.1:{port}/live";
        string send = $"-re -f lavfi -i testsrc=size=320x240:rate=10 -c:v libx264 -preset ultrafast -tune zerolatency -g 5 -f rtsp -rtsp_transport tcp {url}";
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var camera = new CameraOptions
        {
            Id = "door",
            Source = url,
            Listen = true,
            Width = 320,
            Height = 240,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            ReadTimeout = TimeSpan.FromSeconds(5),
            Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) },
        };
        int framesSeen = 0, connectedSeen = 0;
        var ingest = IngestHarness.RunAsync([camera], onDelivery: run =>
        {
            Volatile.Write(ref framesSeen, run.Frames.Count);
            Volatile.Write(ref connectedSeen, run.Notices.Count(n => n.Kind == CameraNoticeKind.Connected));
        }, cancellationToken: stop.Token);

        using var sender = new RestartingFfmpeg(send);
        try
        {
            // The sender can only connect once ingest listens; it is restarted until frames flow.
            await sender.KeepRunningUntilAsync(() => Volatile.Read(ref framesSeen) >= 15, stop.Token);
            sender.Kill();
            await sender.KeepRunningUntilAsync(() => Volatile.Read(ref connectedSeen) >= 2 && Volatile.Read(ref framesSeen) >= 40, stop.Token);
            await stop.CancelAsync();
            var run = await ingest.WaitAsync(s_wait);

            Assert.True(run.FrameCount("door") >= 40);
            AssertNumberingContinues(run, "door");
            var kinds = run.NoticesOf("door").Select(n => n.Kind).ToList();
            int connected = kinds.IndexOf(CameraNoticeKind.Connected);
            int lost = kinds.IndexOf(CameraNoticeKind.Disconnected, connected + 1);
            Assert.True(connected >= 0 && lost > connected, "the sender's death is announced after the first connection");
            Assert.Contains(CameraNoticeKind.Connected, kinds.Skip(lost));
            Assert.True(run.ReportOf("door").Connections >= 2);
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    // Sequence numbers keep counting across reconnects. A live source may drop its oldest frames
    // when the consumer falls behind (a loaded test machine); every gap must then be a counted drop.
    private static void AssertNumberingContinues(IngestRun run, string camera)
    {
        var sequences = run.FramesOf(camera).Select(f => f.Sequence).ToList();
        Assert.True(sequences.Zip(sequences.Skip(1)).All(p => p.Second > p.First), "sequences strictly increase");
        long missing = sequences[^1] + 1 - sequences.Count;
        Assert.Equal(run.Dropped.GetValueOrDefault(camera), missing);
    }
}
