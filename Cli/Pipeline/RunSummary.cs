using System.Globalization;
using UniHCP.Pipeline.Store;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>The closing summary of `unihcp run`: per camera, totals, time per stage, and where to look next.</summary>
internal static class RunSummary
{
    public static void Write(TextWriter output, PipelineResult result, StoreOptions store)
    {
        var rows = new List<string[]> { new[] { "camera", "status", "frames", "size", "time", "detail" } };
        foreach (var camera in result.Cameras)
        {
            rows.Add([camera.CameraId, camera.Status.ToString().ToLowerInvariant(), camera.Frames.ToString(CultureInfo.InvariantCulture),
                camera.Width > 0 ? $"{camera.Width}x{camera.Height}" : "-", string.Create(CultureInfo.InvariantCulture, $"{camera.Elapsed.TotalSeconds:0.0} s"), camera.Message ?? string.Empty]);
        }
        output.WriteLine();
        TextTable.Write(output, rows);
        double seconds = Math.Max(result.Elapsed.TotalSeconds, 1e-6);
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"frames {result.FramesDecoded} decoded, {result.FramesAnalysed} analysed ({result.FramesSkipped} skipped by the stride, {result.FramesRejected} rejected)"));
        string ignored = result.IgnoredDetections > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {result.IgnoredDetections} more in ignore areas, dropped") : "";
        string events = result.ZoneEvents > 0 ? string.Create(CultureInfo.InvariantCulture, $", zone and line events {result.ZoneEvents}") : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"observations {result.Observations} stored ({result.Persons} persons detected{ignored}), tracks {result.Tracks}, identities {result.Identities}, dead letters {result.DeadLetters}{events}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"time {seconds:0.0} s, {result.FramesAnalysed / seconds:0.0} frames/s analysed; model busy {result.InferenceBusy.TotalSeconds / Math.Max(1, result.ModelLanes) / seconds:P0} of the time ({result.ModelLanes} lane{(result.ModelLanes == 1 ? "" : "s")}), database {result.StoreBusy.TotalSeconds / seconds:P0}; weights {result.ModelVersion}"));
        if (PaceNote(result) is { } note)
            output.WriteLine(note);
        if (SmallPeopleNote(result) is { } small)
            output.WriteLine(small);
        output.WriteLine();
        if (NothingReadNote(result) is { } nothing)
        {
            // Pointing at a dashboard and a query that can only show nothing would send the operator looking in the
            // wrong place: the reason is in the camera table above.
            output.WriteLine(nothing);
            return;
        }
        output.WriteLine("results: infra/unihcp serve   then open the dashboard link it prints (http://127.0.0.1:8080/dashboard/)");
        output.WriteLine("         infra/unihcp query tracks --camera " + (result.Cameras.FirstOrDefault()?.CameraId ?? "sample"));
        if (result.ZoneEvents > 0)
            output.WriteLine("         infra/unihcp query counts --camera " + (result.Cameras.FirstOrDefault()?.CameraId ?? "sample"));
        output.WriteLine("         database: " + Describe(store));
    }

    /// <summary>When no camera delivered a frame, says so and where the reasons are; null otherwise.</summary>
    internal static string? NothingReadNote(PipelineResult result)
    {
        if (result.FramesDecoded > 0)
            return null;
        var explained = result.Cameras.Where(c => c.Status == Ingest.CameraIngestStatus.Failed || !string.IsNullOrEmpty(c.Message))
            .Select(c => $"'{c.CameraId}' {c.Status.ToString().ToLowerInvariant()}").ToList();
        return explained.Count > 0
            ? $"nothing to look at: no camera delivered a frame ({string.Join(", ", explained)}: see 'detail' above); nothing was stored."
            : "nothing to look at: no camera delivered a frame; nothing was stored.";
    }

    /// <summary>
    /// When recorded files took longer than they last, says so and how to keep pace: a live camera like them would have
    /// frames dropped on this machine, which an operator should know before pointing one at it. The cameras' own reading
    /// time is compared (the model's loading and the run's closing work are not the video's pace). Null when every
    /// camera kept pace, or when one is live or never delivered a frame (no duration to compare with).
    /// </summary>
    internal static string? PaceNote(PipelineResult result)
    {
        if (result.Cameras.Count == 0 || result.FramesAnalysed == 0 || result.Cameras.Any(c => c.SourceFrameRate is not > 0 || c.Frames == 0))
            return null;
        double videoSeconds = result.Cameras.Max(c => c.Frames / c.SourceFrameRate!.Value);
        double readSeconds = Math.Max(result.Cameras.Max(c => c.Elapsed.TotalSeconds), 1e-6);
        double pace = videoSeconds / readSeconds;
        if (pace >= 0.95)
            return null;
        var note = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"note: {videoSeconds:0.0} s of video took {readSeconds:0.0} s to read and analyse ({pace:0.00}x its own pace): a live camera like it would lose frames on this machine."));
        double modelShare = result.InferenceBusy.TotalSeconds / Math.Max(1, result.ModelLanes) / Math.Max(result.Elapsed.TotalSeconds, 1e-6);
        if (modelShare >= 0.8)
        {
            // The model is the bottleneck, so analysing fewer frames is what keeps pace: the stride this run used
            // (frames decoded per frame analysed) stretched by how far it fell behind.
            double stride = Math.Max(1, Math.Round((double)result.FramesDecoded / result.FramesAnalysed));
            int keeping = Math.Max((int)stride + 1, (int)Math.Ceiling(stride / pace - 1e-9));
            note.Append(string.Create(CultureInfo.InvariantCulture,
                $" To keep pace: --detection-stride {keeping} (analyse one frame in {keeping} of each camera; tracks see people less often), or a smaller --detection-short-side (fewer small, far people found)."));
            var tiled = (result.PersonSizes ?? new Dictionary<string, UniHCP.Pipeline.Inference.Stage.CameraPersonSize>()).Where(c => c.Value.Tiles > 1)
                .OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
            if (tiled.Count > 0)
            {
                note.Append(string.Create(CultureInfo.InvariantCulture,
                    $" Detection read {string.Join(", ", tiled.Select(c => $"'{c.Key}'"))} as tiles too ({result.PassesPerFrame:0.0} detector passes a frame on average instead of 1; Inference:DetectionTiles auto tiles frames of 720p and more, on every Inference:DetectionTilesEvery-th frame): --detection-tiles 1 reads whole frames only, finding fewer small, far people; a larger --detection-tiles-every tiles fewer frames."));
            }
            if (result.ModelInFloat32)
                note.Append(" The model ran in float32: CPUs with AVX-512 BF16 or AMX run it in bfloat16, about 1.8x as fast.");
        }
        return note.ToString();
    }

    /// <summary>Half of a camera's people shorter than this at the detector's input is where tiles paid in the
    /// measurements (docs/default-model.md, "Tiles": the five scenes whose median person was 51-75 px gained 0.05-0.21
    /// AP50; above 80 px the changes were mixed, -0.09 to +0.10).</summary>
    internal const double SmallPersonHeight = 80;

    /// <summary>A camera needs this many people counted before its sizes say anything.</summary>
    internal const long SmallPeopleMinimumPersons = 30;

    /// <summary>
    /// Names the cameras run on the whole frame only whose people were small at the detector's input, with the per-camera
    /// setting that reads them as tiles too, and its cost. Null when there is none.
    /// </summary>
    internal static string? SmallPeopleNote(PipelineResult result)
    {
        var small = (result.PersonSizes ?? new Dictionary<string, UniHCP.Pipeline.Inference.Stage.CameraPersonSize>())
            .Where(c => c.Value.Tiles == 1 && c.Value.Persons >= SmallPeopleMinimumPersons && c.Value.MedianHeight < SmallPersonHeight)
            .OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
        if (small.Count == 0)
            return null;
        string cameras = string.Join(", ", small.Select(c => string.Create(CultureInfo.InvariantCulture, $"'{c.Key}' (median {c.Value.MedianHeight:0} px)")));
        string setting = string.Join(", ", small.Select(c => $"\"{c.Key}\": 2"));
        return string.Create(CultureInfo.InvariantCulture,
            $"note: people were small for the detector on {cameras}: half of them under {SmallPersonHeight:0} px tall at its input. Tiles find more small, far people on such cameras (a crowded hall 0.51 -> 0.71 AP50): --detection-tiles 2, or per camera \"Inference\": {{ \"CameraDetectionTiles\": {{ {setting} }} }} in the configuration - 4 detector passes more on each frame read as tiles (every third by default, --detection-tiles-every){(PaceNote(result) is null ? "" : ", on a machine that fell behind already (above)")}.");
    }

    private static string Describe(StoreOptions store)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(store.ConnectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }
}
