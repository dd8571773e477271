using System.Globalization;
using System.Text;

namespace UniHCP.Pipeline.Training;

/// <summary>Plots the loss columns of a training log as an SVG line chart (smoothed over 20 steps).</summary>
public static class LossCurve
{
    private static readonly string[] s_colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

    public static void Write(string csvPath, string svgPath)
    {
        if (!File.Exists(csvPath))
            return;
        var lines = File.ReadAllLines(csvPath);
        if (lines.Length < 3)
            return;
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).Where(r => r.Length == header.Length).ToList();
        var steps = rows.Select(r => double.Parse(r[0], CultureInfo.InvariantCulture)).ToArray();
        var series = Enumerable.Range(1, header.Length - 1)
            .Where(c => header[c].EndsWith("loss", StringComparison.Ordinal))
            .Select(c => (Name: header[c], Values: Smooth(rows.Select(r => double.TryParse(r[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN).ToArray(), 20)))
            .ToList();
        if (series.Count == 0)
            return;
        const double width = 800, height = 400, margin = 50;
        double maxY = series.SelectMany(s => s.Values).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        double maxX = steps.Max();
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/><line x1=\"{margin}\" y1=\"{height - margin}\" x2=\"{width - 10}\" y2=\"{height - margin}\" stroke=\"black\"/><line x1=\"{margin}\" y1=\"10\" x2=\"{margin}\" y2=\"{height - margin}\" stroke=\"black\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"{height - 15}\" text-anchor=\"middle\">step (max {maxX:0})</text><text x=\"12\" y=\"20\">{maxY:0.00}</text><text x=\"30\" y=\"{height - margin}\">0</text>");
        for (int s = 0; s < series.Count; s++)
        {
            var points = steps.Zip(series[s].Values).Where(p => double.IsFinite(p.Second))
                .Select(p => string.Create(CultureInfo.InvariantCulture, $"{margin + (p.First / maxX * (width - margin - 10)):0.0},{height - margin - (p.Second / maxY * (height - margin - 10)):0.0}"));
            string colour = s_colours[s % s_colours.Length];
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{string.Join(' ', points)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - 200}\" y=\"{25 + (15 * s)}\" fill=\"{colour}\">{series[s].Name}</text>");
        }
        svg.Append("</svg>");
        File.WriteAllText(svgPath, svg.ToString());
    }

    private static double[] Smooth(double[] values, int window)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            var slice = values.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Where(double.IsFinite).ToList();
            result[i] = slice.Count > 0 ? slice.Average() : double.NaN;
        }
        return result;
    }
}
