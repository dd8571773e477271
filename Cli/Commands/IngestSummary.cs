using System.Globalization;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>The table `unihcp ingest` prints when it ends.</summary>
internal static class IngestSummary
{
    public static void Write(TextWriter output, IReadOnlyList<CameraIngestReport> reports, IReadOnlyList<LaneStatistics> lanes, TimeSpan elapsed)
    {
        var rows = new List<string[]> { new[] { "camera", "status", "frames", "dropped", "size", "time", "frames/s", "source" } };
        foreach (var report in reports)
        {
            long dropped = lanes.Where(l => l.CameraId == report.CameraId).Sum(l => l.Dropped);
            rows.Add(
            [
                report.CameraId,
                report.Status.ToString().ToLowerInvariant(),
                report.Frames.ToString(CultureInfo.InvariantCulture),
                dropped.ToString(CultureInfo.InvariantCulture),
                report.Frames > 0 ? $"{report.Width}x{report.Height}" : "-",
                string.Create(CultureInfo.InvariantCulture, $"{report.Elapsed.TotalSeconds:0.00} s"),
                report.FramesPerSecond.ToString("0.0", CultureInfo.InvariantCulture),
                report.Location,
            ]);
        }
        long total = reports.Sum(r => r.Frames);
        rows.Add(
        [
            "total", string.Empty, total.ToString(CultureInfo.InvariantCulture), lanes.Sum(l => l.Dropped).ToString(CultureInfo.InvariantCulture), string.Empty,
            string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0.00} s"),
            (total / Math.Max(elapsed.TotalSeconds, 1e-6)).ToString("0.0", CultureInfo.InvariantCulture), string.Empty,
        ]);
        TextTable.Write(output, rows);
        foreach (var report in reports.Where(r => r.Message is not null))
            output.WriteLine($"{report.CameraId}: {report.Message}");
    }
}
