using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>One row: a measured case with its samples (seconds per run) and how to read it.</summary>
internal sealed record BenchmarkCase(string Name, IReadOnlyList<double> Seconds, double WorkItems, string Unit, string? Baseline, string Note)
{
    public double Median => Seconds.Order().ElementAt(Seconds.Count / 2);

    public double Min => Seconds.Min();
}

/// <summary>A benchmark's results as a dated markdown section, with the machine it ran on.</summary>
internal sealed class BenchmarkReport(string title, string description)
{
    private readonly List<BenchmarkCase> _cases = [];
    private readonly List<string> _notes = [];

    public void Add(BenchmarkCase result) => _cases.Add(result);

    public void Note(string note) => _notes.Add(note);

    public BenchmarkCase Get(string name) => _cases.Single(c => c.Name == name);

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"### {title} ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        text.AppendLine();
        text.AppendLine(description);
        text.AppendLine();
        string runs = _cases.Count > 0 ? string.Create(inv, $"; runs per case: {_cases[0].Seconds.Count}") : string.Empty;
        text.AppendLine(inv, $"Machine: {Machine()}; {Environment.ProcessorCount} cores; .NET {Environment.Version}{runs}.");
        text.AppendLine();
        if (_cases.Count > 0)
        {
            text.AppendLine("| case | median | best | rate (median) | ratio to baseline (median) | what it measures |");
            text.AppendLine("|---|---|---|---|---|---|");
        }
        foreach (var c in _cases)
        {
            // Time per work item against the baseline's (cases may do different amounts of work).
            string ratio = c.Baseline is { } b ? (c.Median / c.WorkItems / (Get(b).Median / Get(b).WorkItems)).ToString("0.00", inv) + "x" : "baseline";
            text.AppendLine(inv, $"| {c.Name} | {c.Median:0.000} s | {c.Min:0.000} s | {c.WorkItems / c.Median:0} {c.Unit} | {ratio} | {c.Note} |");
        }
        foreach (string note in _notes)
        {
            text.AppendLine();
            text.AppendLine(note);
        }
        return text.ToString();
    }

    private static string Machine()
    {
        string cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        return $"{cpu}, {RuntimeInformation.OSDescription}";
    }
}
