using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>The run summary's note for files analysed slower than they last.</summary>
public sealed class RunSummaryTests
{
    [Fact]
    public void A_model_bound_run_slower_than_the_video_says_by_how_much_and_which_stride_keeps_pace()
    {
        // The sample video (795 frames at 10 frames/s) read and analysed in 198.7 s, both lanes busy; the run as a whole
        // (the model's loading, the closing work) took longer, which is not the video's pace.
        var result = Result([Camera(795, 10, read: 198.7)], analysed: 795, elapsed: 206, modelBusy: 2 * 200, float32: true);

        string? note = RunSummary.PaceNote(result);

        Assert.NotNull(note);
        Assert.Contains("79.5 s of video took 198.7 s to read and analyse (0.40x its own pace)", note, StringComparison.Ordinal);
        Assert.Contains("--detection-stride 3 (analyse one frame in 3 of each camera;", note, StringComparison.Ordinal);
        Assert.Contains("float32", note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_with_a_stride_already_is_told_a_larger_one_and_a_bfloat16_run_nothing_of_precision()
    {
        // Two 40 s files read with a stride of 2 in 50 s: 2 / 0.8 -> a stride of 3.
        var result = Result([Camera(400, 10, read: 50), Camera(400, 10, read: 48)], analysed: 400, elapsed: 55, modelBusy: 54, float32: false, lanes: 1);

        string? note = RunSummary.PaceNote(result);

        Assert.NotNull(note);
        Assert.Contains("--detection-stride 3", note, StringComparison.Ordinal);
        Assert.DoesNotContain("float32", note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_slow_run_that_read_a_camera_as_tiles_says_what_they_cost_and_how_to_turn_them_off()
    {
        var sizes = new UniHCP.Pipeline.Inference.Stage.PersonSizes();
        sizes.Add("street", [100f, 120f], scale: 0.4, tiles: 2);
        sizes.Add("door", [300f], scale: 0.9, tiles: 1);
        var result = Result([Camera(795, 10, read: 400)], analysed: 795, elapsed: 400, modelBusy: 2 * 399, float32: false) with { PersonSizes = sizes.Snapshot(), DetectionPasses = 1855 };

        string? note = RunSummary.PaceNote(result);

        Assert.NotNull(note);
        // 795 frames, 265 of them (every third) with 4 tile passes more: 1,855 passes, 2.3 a frame.
        Assert.Contains("Detection read 'street' as tiles too (2.3 detector passes a frame on average instead of 1;", note, StringComparison.Ordinal);
        Assert.Contains("a larger --detection-tiles-every tiles fewer frames", note, StringComparison.Ordinal);
        Assert.Contains("--detection-tiles 1 reads whole frames only", note, StringComparison.Ordinal);
        Assert.DoesNotContain("'door'", note, StringComparison.Ordinal);
    }

    [Fact]
    public void No_note_when_the_run_kept_pace_a_camera_is_live_or_none_delivered_and_no_advice_when_the_model_idled()
    {
        Assert.Null(RunSummary.PaceNote(Result([Camera(795, 10, read: 80)], analysed: 795, elapsed: 88, modelBusy: 150, float32: false)));
        Assert.Null(RunSummary.PaceNote(Result([Camera(795, 10, read: 300), Camera(300, null, read: 300)], analysed: 1095, elapsed: 300, modelBusy: 590, float32: false)));
        Assert.Null(RunSummary.PaceNote(Result([Camera(0, 10, read: 5)], analysed: 0, elapsed: 5, modelBusy: 0, float32: false)));

        // Slow, but the model idled most of the time (the database or the source held it back): no stride advice.
        string? note = RunSummary.PaceNote(Result([Camera(795, 10, read: 200)], analysed: 795, elapsed: 200, modelBusy: 2 * 60, float32: true));
        Assert.NotNull(note);
        Assert.DoesNotContain("--detection-stride", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Cameras_whose_people_were_small_at_the_detector_s_input_are_named_with_the_tiles_setting_for_them()
    {
        var sizes = new UniHCP.Pipeline.Inference.Stage.PersonSizes();
        // A 1920x1080 street read at 512 / 1080: people of 60-120 px in the frame are 28-57 px at the input.
        sizes.Add("street", Enumerable.Range(0, 40).Select(i => 60f + (i * 1.5f)), scale: 512.0 / 1080, tiles: 1);
        // A shop with people near the camera, and a camera already tiled, and one with too few people to tell.
        sizes.Add("shop", Enumerable.Range(0, 40).Select(i => 200f + i), scale: 512.0 / 576, tiles: 1);
        sizes.Add("hall", Enumerable.Range(0, 40).Select(i => 60f + i), scale: 512.0 / 720, tiles: 2);
        sizes.Add("door", Enumerable.Range(0, 10).Select(i => 50f), scale: 1, tiles: 1);
        var result = Result([Camera(795, 10, read: 80)], analysed: 795, elapsed: 88, modelBusy: 150, float32: false) with { PersonSizes = sizes.Snapshot() };

        string? note = RunSummary.SmallPeopleNote(result);

        Assert.NotNull(note);
        Assert.Contains("'street' (median 42 px)", note, StringComparison.Ordinal);
        Assert.Contains("\"CameraDetectionTiles\": { \"street\": 2 }", note, StringComparison.Ordinal);
        Assert.DoesNotContain("'shop'", note, StringComparison.Ordinal);
        Assert.DoesNotContain("'hall'", note, StringComparison.Ordinal);
        Assert.DoesNotContain("'door'", note, StringComparison.Ordinal);
        Assert.Null(RunSummary.SmallPeopleNote(result with { PersonSizes = null }));
    }

    [Fact]
    public void A_run_in_which_no_camera_delivered_a_frame_says_so_instead_of_pointing_at_empty_results()
    {
        var failed = new CameraIngestReport("door", "missing.mp4", CameraIngestStatus.Failed, 0, 0, 0, 0, TimeSpan.Zero, "file not found: 'missing.mp4'.", null);
        var result = Result([failed], analysed: 0, elapsed: 0.2, modelBusy: 0, float32: false);
        var output = new StringWriter();

        RunSummary.Write(output, result, new UniHCP.Pipeline.Store.StoreOptions());

        string text = output.ToString();
        Assert.Contains("file not found: 'missing.mp4'.", text, StringComparison.Ordinal);
        Assert.Contains("nothing to look at: no camera delivered a frame ('door' failed: see 'detail' above)", text, StringComparison.Ordinal);
        var retrying = new CameraIngestReport("gate", "rtsp://cam/1", CameraIngestStatus.Stopped, 0, 0, 0, 0, TimeSpan.FromSeconds(5), "stopped while reconnecting, after 4 failed connection attempt(s): Connection refused", null);
        Assert.Contains("('gate' stopped: see 'detail' above)", RunSummary.NothingReadNote(Result([retrying], analysed: 0, elapsed: 5, modelBusy: 0, float32: false)), StringComparison.Ordinal);
        Assert.DoesNotContain("infra/unihcp serve", text, StringComparison.Ordinal);
        Assert.Null(RunSummary.NothingReadNote(Result([Camera(795, 10, read: 80)], analysed: 795, elapsed: 88, modelBusy: 150, float32: false)));
    }

    private static CameraIngestReport Camera(long frames, double? rate, double read) =>
        new("cam", "video.mp4", CameraIngestStatus.Completed, frames, 768, 576, 1, TimeSpan.FromSeconds(read), null, rate);

    private static PipelineResult Result(IReadOnlyList<CameraIngestReport> cameras, long analysed, double elapsed, double modelBusy, bool float32, int lanes = 2) =>
        new(cameras, analysed, 0, 0, 0, 0, 0, 0, 0, 0, TimeSpan.FromSeconds(elapsed), TimeSpan.FromSeconds(modelBusy), lanes, TimeSpan.Zero, "test-1", null, float32);
}
