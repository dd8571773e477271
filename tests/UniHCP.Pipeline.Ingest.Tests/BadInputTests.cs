using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Ingest.Tests;

public sealed class BadInputTests
{
    [Fact]
    public async Task Bad_files_fail_their_own_camera_with_a_clear_reason_while_the_good_one_finishes()
    {
        using var temp = new TempDirectory();
        string good = await FfmpegTool.MakeClipAsync(temp.Path, "good.mp4", 160, 120, rate: 10, frames: 40);
        string notVideo = temp.File("notes.mp4");
        await File.WriteAllTextAsync(notVideo, "this is a shopping list, not a video\n");
        string truncatedMp4 = temp.File("truncated.mp4");
        await File.WriteAllBytesAsync(truncatedMp4, (await File.ReadAllBytesAsync(good))[..3000]);
        string truncatedAvi = temp.File("truncated.avi");
        await using (var sample = File.OpenRead(TestAssets.SampleVideo))
        await using (var cut = File.Create(truncatedAvi))
        {
            var head = new byte[2_000_000];
            await sample.ReadExactlyAsync(head);
            await cut.WriteAsync(head);
        }
        string missing = temp.File("missing.avi");

        var run = await IngestHarness.RunAsync(
        [
            new CameraOptions { Id = "good", Source = good },
            new CameraOptions { Id = "not-video", Source = notVideo },
            new CameraOptions { Id = "truncated-mp4", Source = truncatedMp4 },
            new CameraOptions { Id = "truncated-avi", Source = truncatedAvi },
            new CameraOptions { Id = "missing", Source = missing },
            new CameraOptions { Id = "folder", Source = temp.Path },
        ]);

        Assert.Equal(40, run.FrameCount("good"));
        Assert.Equal(CameraIngestStatus.Completed, run.ReportOf("good").Status);
        Assert.Equal(CameraNoticeKind.EndOfStream, run.NoticesOf("good")[^1].Kind);

        AssertFailed(run, "not-video", "not a readable video file", "Invalid data");
        AssertFailed(run, "truncated-mp4", "not a readable video file", "moov atom not found");
        AssertFailed(run, "missing", "file not found", missing);
        AssertFailed(run, "folder", "is a directory");
        // A cut AVI decodes up to the cut: those frames are delivered, then the camera fails.
        var cutNotice = AssertFailed(run, "truncated-avi", "damaged or truncated", "decoding errors after", "ac-tex damaged");
        Assert.InRange(run.FrameCount("truncated-avi"), 100, 400);
        Assert.Equal(run.FrameCount("truncated-avi") - 1, cutNotice.LastSequence);
    }

    [Fact]
    public async Task An_unreachable_stream_is_retried_with_back_off_and_then_given_up()
    {
        int port = FfmpegTool.FreePort();
        var run = await IngestHarness.RunAsync(
        [
            new CameraOptions
            {
                Id = "gone",
                Source = $"http://127.0.0.1:{port}/live.ts",
                Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaxAttempts = 3 },
            },
        ]);

        var notices = run.NoticesOf("gone");
        Assert.Equal(2, notices.Count(n => n.Kind == CameraNoticeKind.Disconnected));
        Assert.Contains("reconnecting in 0.1 s", notices[1].Message, StringComparison.Ordinal); // the delay doubled
        var failed = notices[^1];
        Assert.Equal(CameraNoticeKind.Failed, failed.Kind);
        Assert.Contains("gave up after 3 failed connection attempt(s)", failed.Message, StringComparison.Ordinal);
        Assert.Contains("Connection refused", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, run.FrameCount("gone"));
    }

    [Fact]
    public async Task A_stream_stopped_while_it_is_still_being_retried_reports_why_no_frame_came()
    {
        int port = FfmpegTool.FreePort();
        using var stop = new CancellationTokenSource();
        var running = IngestHarness.RunAsync(
        [
            new CameraOptions
            {
                Id = "down",
                Source = $"http://127.0.0.1:{port}/live.ts",
                Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50) },
            },
        ], onDelivery: run =>
        {
            // Stop once the camera has failed to connect twice (the run's own duration, or Ctrl+C, in a real run).
            if (run.NoticesOf("down").Count(n => n.Kind == CameraNoticeKind.Disconnected) >= 2)
                stop.Cancel();
        }, cancellationToken: stop.Token);

        var run = await running;

        var report = run.ReportOf("down");
        Assert.Equal(CameraIngestStatus.Stopped, report.Status);
        Assert.NotNull(report.Message);
        Assert.Contains("stopped while reconnecting, after", report.Message, StringComparison.Ordinal);
        Assert.Contains("Connection refused", report.Message, StringComparison.Ordinal);
        Assert.Equal(0, run.FrameCount("down"));
    }

    private static CameraNotice AssertFailed(IngestRun run, string camera, params string[] phrases)
    {
        var report = run.ReportOf(camera);
        Assert.Equal(CameraIngestStatus.Failed, report.Status);
        var notice = run.NoticesOf(camera)[^1];
        Assert.Equal(CameraNoticeKind.Failed, notice.Kind);
        foreach (string phrase in phrases)
            Assert.True(notice.Message?.Contains(phrase, StringComparison.Ordinal), $"'{phrase}' not in: {notice.Message}");
        Assert.Contains(run.Log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains(camera, StringComparison.Ordinal) && e.Message.Contains(phrases[0], StringComparison.Ordinal));
        return notice;
    }
}
