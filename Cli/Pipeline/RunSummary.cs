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
        string events = result.ZoneEvents > 0 ? string.Create(CultureInfo.InvariantCulture, $", zone and line events {result.ZoneEvents}") : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"observations {result.Observations} stored ({result.Persons} persons detected), tracks {result.Tracks}, identities {result.Identities}, dead letters {result.DeadLetters}{events}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"time {seconds:0.0} s, {result.FramesAnalysed / seconds:0.0} frames/s analysed; model busy {result.InferenceBusy.TotalSeconds / Math.Max(1, result.ModelLanes) / seconds:P0} of the time ({result.ModelLanes} lane{(result.ModelLanes == 1 ? "" : "s")}), database {result.StoreBusy.TotalSeconds / seconds:P0}; weights {result.ModelVersion}"));
        output.WriteLine();
        output.WriteLine("results: infra/unihcp serve   then open the dashboard link it prints (http://127.0.0.1:8080/dashboard/)");
        output.WriteLine("         infra/unihcp query tracks --camera " + (result.Cameras.FirstOrDefault()?.CameraId ?? "sample"));
        if (result.ZoneEvents > 0)
            output.WriteLine("         infra/unihcp query counts --camera " + (result.Cameras.FirstOrDefault()?.CameraId ?? "sample"));
        output.WriteLine("         database: " + Describe(store));
    }

    private static string Describe(StoreOptions store)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(store.ConnectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }
}
