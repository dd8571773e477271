using System.Globalization;
using UniHCP.Pipeline.Tracking.Mot;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>Prints tracking metrics as the MOTChallenge devkit lays them out (percentages, counts).</summary>
internal static class MotTable
{
    public static void Write(TextWriter output, IReadOnlyList<(string Name, MotMetrics Metrics)> rows)
    {
        var table = new List<string[]> { new[] { "sequence", "HOTA", "DetA", "AssA", "MOTA", "MOTP", "IDF1", "IDP", "IDR", "Rcll", "Prcn", "FAR", "GT", "MT", "PT", "ML", "FP", "FN", "IDs", "FM" } };
        foreach (var (name, m) in rows)
        {
            table.Add(
            [
                name, P(m.Hota), P(m.DetA), P(m.AssA), P(m.Mota), P(m.Motp), P(m.Idf1), P(m.Idp), P(m.Idr), P(m.Recall), P(m.Precision),
                m.FalseAlarmsPerFrame.ToString("0.00", CultureInfo.InvariantCulture), I(m.GroundTruthTracks), I(m.MostlyTracked), I(m.PartlyTracked), I(m.MostlyLost),
                I(m.FalsePositives), I(m.FalseNegatives), I(m.IdSwitches), I(m.Fragmentations),
            ]);
        }
        TextTable.Write(output, table);
    }

    private static string P(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture);

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
