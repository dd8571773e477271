using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Ingest.Tests;

public sealed class FileIngestTests
{
    [Fact]
    public async Task The_sample_video_yields_its_795_frames_in_order_with_stream_timestamps()
    {
        var start = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var run = await IngestHarness.RunAsync([new CameraOptions { Id = "sample", Source = TestAssets.SampleVideo, StartTime = start }]);

        var frames = run.FramesOf("sample");
        Assert.Equal(795, frames.Count);
        Assert.All(frames, f => Assert.Equal((768, 576, 768 * 576 * 3), (f.Width, f.Height, f.Bytes)));
        Assert.Equal(Enumerable.Range(0, 795).Select(i => (long)i), frames.Select(f => f.Sequence));
        Assert.Equal(start, frames[0].CaptureTime);
        Assert.Equal(TimeSpan.FromSeconds(79.4), frames[^1].StreamTime);
        Assert.Equal(start + TimeSpan.FromSeconds(79.4), frames[^1].CaptureTime);

        var notices = run.NoticesOf("sample");
        Assert.Equal(CameraNoticeKind.Connected, notices[0].Kind);
        Assert.Contains("768x576", notices[0].Message, StringComparison.Ordinal);
        var end = notices[^1];
        Assert.Equal(CameraNoticeKind.EndOfStream, end.Kind);
        Assert.Equal(794, end.LastSequence);
        var report = run.ReportOf("sample");
        Assert.Equal((CameraIngestStatus.Completed, 795L, 768, 576), (report.Status, report.Frames, report.Width, report.Height));
    }

    [Fact]
    public async Task Rate_sampling_and_resizing_give_exact_counts_and_sizes()
    {
        using var temp = new TempDirectory();
        string clip = await FfmpegTool.MakeClipAsync(temp.Path, "clip.mp4", 320, 240, rate: 10, frames: 30);

        var run = await IngestHarness.RunAsync(
        [
            new CameraOptions { Id = "native", Source = clip },
            new CameraOptions { Id = "half-rate", Source = clip, FrameRate = 5 },
            new CameraOptions { Id = "width-only", Source = clip, Width = 160 },
            new CameraOptions { Id = "both", Source = clip, Width = 100, Height = 50, FrameRate = 2, Scaler = ScaleAlgorithm.Bicubic },
        ]);

        Assert.Equal(30, run.FrameCount("native"));
        Assert.Equal(15, run.FrameCount("half-rate"));
        Assert.Equal(30, run.FrameCount("width-only"));
        Assert.Equal(6, run.FrameCount("both"));
        Assert.All(run.FramesOf("native"), f => Assert.Equal((320, 240), (f.Width, f.Height)));
        Assert.All(run.FramesOf("width-only"), f => Assert.Equal((160, 120), (f.Width, f.Height)));
        Assert.All(run.FramesOf("both"), f => Assert.Equal((100, 50), (f.Width, f.Height)));
        Assert.Equal(TimeSpan.FromSeconds(0.2), run.FramesOf("half-rate")[1].StreamTime);
        foreach (string camera in new[] { "native", "half-rate", "width-only", "both" })
        {
            var sequences = run.FramesOf(camera).Select(f => f.Sequence).ToList();
            Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => (long)i), sequences);
            Assert.Equal(CameraIngestStatus.Completed, run.ReportOf(camera).Status);
        }
    }

    [Fact]
    public async Task Pixels_match_what_ffmpeg_itself_converts_to_rgb24()
    {
        using var temp = new TempDirectory();
        string clip = await FfmpegTool.MakeClipAsync(temp.Path, "clip.mkv", 70, 46, rate: 10, frames: 12);
        byte[] reference = await FfmpegTool.OutputAsync($"-i \"{clip}\" -f rawvideo -pix_fmt rgb24 -");
        var sample = TestAssets.SampleVideo;
        byte[] sampleReference = await FfmpegTool.OutputAsync($"-i \"{sample}\" -frames:v 3 -f rawvideo -pix_fmt rgb24 -");

        var run = await IngestHarness.RunAsync(
            [new CameraOptions { Id = "clip", Source = clip }, new CameraOptions { Id = "sample", Source = sample }],
            keepPixels: f => f.CameraId == "clip" || f.Sequence < 3);

        AssertClose(reference, 70 * 46 * 3, 12, i => run.Pixels[("clip", i)]);
        AssertClose(sampleReference, 768 * 576 * 3, 3, i => run.Pixels[("sample", i)]);
    }

    // Our YUV-to-RGB conversion uses FFmpeg's matrix in 6-bit fixed point: each channel within 3
    // levels of FFmpeg's own (at sharp colour edges) and under 1 on average: FFmpeg truncates each
    // term of the sum, we round once.
    private static void AssertClose(byte[] reference, int frameBytes, int frames, Func<int, byte[]> ours)
    {
        Assert.Equal(frames * frameBytes, reference.Length);
        long totalDifference = 0;
        for (int i = 0; i < frames; i++)
        {
            var expected = reference.AsSpan(i * frameBytes, frameBytes);
            var actual = ours(i);
            Assert.Equal(frameBytes, actual.Length);
            for (int k = 0; k < frameBytes; k++)
            {
                int difference = Math.Abs(expected[k] - actual[k]);
                Assert.True(difference <= 3, $"frame {i} byte {k}: FFmpeg {expected[k]}, ours {actual[k]}");
                totalDifference += difference;
            }
        }
        double mean = (double)totalDifference / reference.Length;
        Assert.True(mean < 1.0, $"mean difference {mean:0.000} levels");
    }

    [Fact]
    public async Task Cancelling_a_file_ingest_stops_it_and_still_ends_the_camera_stream()
    {
        using var stop = new CancellationTokenSource();
        var run = await IngestHarness.RunAsync(
            [new CameraOptions { Id = "sample", Source = TestAssets.SampleVideo }],
            onDelivery: r =>
            {
                if (r.Frames.Count == 50)
                    stop.Cancel();
            },
            cancellationToken: stop.Token);

        var report = run.ReportOf("sample");
        Assert.Equal(CameraIngestStatus.Stopped, report.Status);
        Assert.InRange(report.Frames, 50, 794);
        Assert.Equal(report.Frames, run.FrameCount("sample"));
        var end = run.NoticesOf("sample")[^1];
        Assert.Equal(CameraNoticeKind.EndOfStream, end.Kind);
        Assert.Contains("stopped", end.Message, StringComparison.Ordinal);
    }
}
