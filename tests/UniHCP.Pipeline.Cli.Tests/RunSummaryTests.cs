using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>The run summary's note for files analysed slower than they last.</summary>
public sealed class RunSummaryTests
{
    [Fact]
    public void A_model_bound_run_slower_than_the_video_says_by_how_much_and_which_stride_keeps_pace()
    {
        // The sample video (795 frames at 10 frames/s) analysed at 4 frames/s, both lanes busy.
        var result = Result([Camera(795, 10)], analysed: 795, elapsed: 198.7, modelBusy: 2 * 195, float32: true);

        string? note = RunSummary.PaceNote(result, 198.7);

        Assert.NotNull(note);
        Assert.Contains("79.5 s of video took 198.7 s (0.40x its own pace)", note, StringComparison.Ordinal);
        Assert.Contains("--detection-stride 3 (analyse one frame in 3 of each camera)", note, StringComparison.Ordinal);
        Assert.Contains("float32", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_cameras_need_the_frames_of_both_and_a_bfloat16_run_is_not_told_about_precision()
    {
        // Two 10 frames/s files of 40 s each, 12 frames/s analysed: 20 delivered per second need a stride of 2.
        var result = Result([Camera(400, 10), Camera(400, 10)], analysed: 800, elapsed: 66.7, modelBusy: 66, float32: false, lanes: 1);

        string? note = RunSummary.PaceNote(result, 66.7);

        Assert.NotNull(note);
        Assert.Contains("--detection-stride 2", note, StringComparison.Ordinal);
        Assert.DoesNotContain("float32", note, StringComparison.Ordinal);
    }

    [Fact]
    public void No_note_when_the_run_kept_pace_a_camera_is_live_or_the_model_was_not_the_bottleneck_of_advice()
    {
        Assert.Null(RunSummary.PaceNote(Result([Camera(795, 10)], analysed: 795, elapsed: 80, modelBusy: 150, float32: false), 80));
        Assert.Null(RunSummary.PaceNote(Result([Camera(795, 10), Camera(300, null)], analysed: 1095, elapsed: 300, modelBusy: 590, float32: false), 300));
        Assert.Null(RunSummary.PaceNote(Result([Camera(0, 10)], analysed: 0, elapsed: 5, modelBusy: 0, float32: false), 5));

        // Slow, but the model idled most of the time (the database or the source held it back): no stride advice.
        string? note = RunSummary.PaceNote(Result([Camera(795, 10)], analysed: 795, elapsed: 200, modelBusy: 2 * 60, float32: true), 200);
        Assert.NotNull(note);
        Assert.DoesNotContain("--detection-stride", note, StringComparison.Ordinal);
    }

    private static CameraIngestReport Camera(long frames, double? rate) =>
        new("cam", "video.mp4", CameraIngestStatus.Completed, frames, 768, 576, 1, TimeSpan.FromSeconds(1), null, rate);

    private static PipelineResult Result(IReadOnlyList<CameraIngestReport> cameras, long analysed, double elapsed, double modelBusy, bool float32, int lanes = 2) =>
        new(cameras, analysed, 0, 0, 0, 0, 0, 0, 0, 0, TimeSpan.FromSeconds(elapsed), TimeSpan.FromSeconds(modelBusy), lanes, TimeSpan.Zero, "test-1", null, float32);
}
