using System.Globalization;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>Entry point: picks a benchmark by name, runs it, prints the table and optionally appends it to a results file.</summary>
internal static class BenchmarkRunner
{
    private static readonly Dictionary<string, Func<BenchmarkSettings, Task<BenchmarkReport>>> s_benchmarks = new(StringComparer.Ordinal)
    {
        ["ingest"] = IngestBenchmark.RunAsync,
        ["model"] = ModelBenchmark.RunAsync,
        ["tracking"] = TrackingBenchmark.RunAsync,
        ["tracking-search"] = TrackingSearchBenchmark.RunAsync,
        ["store"] = StoreBenchmark.RunAsync,
        ["vector-search"] = VectorSearchBenchmark.RunAsync,
        ["kafka"] = KafkaBenchmark.RunAsync,
        ["training"] = TrainingBenchmark.RunAsync,
        ["detector"] = DetectorBenchmark.RunAsync,
        ["lanes"] = ModelLanesBenchmark.RunAsync,
        ["prompt-tuning"] = PromptTuningBenchmark.RunAsync,
        ["codec"] = Codec.CodecBenchmark.RunAsync,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || !s_benchmarks.TryGetValue(args[0], out var benchmark))
        {
            Console.Error.WriteLine($"usage: <{string.Join('|', s_benchmarks.Keys)}> [--runs N] [--write FILE] [--filter TEXT (cases whose name contains it)]");
            return 2;
        }
        var settings = BenchmarkSettings.Parse(args.AsSpan(1));
        var report = await benchmark(settings);
        string markdown = report.ToMarkdown();
        Console.WriteLine(markdown);
        if (settings.WriteTo is { } file)
        {
            await File.AppendAllTextAsync(file, markdown + Environment.NewLine);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"appended to {file}"));
        }
        return 0;
    }
}

internal sealed record BenchmarkSettings(int Runs, string? WriteTo, string? Filter = null)
{
    public static BenchmarkSettings Parse(ReadOnlySpan<string> args)
    {
        int runs = 5;
        string? write = null, filter = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int n) && n > 0:
                    runs = n;
                    i++;
                    break;
                case "--write" when i + 1 < args.Length:
                    write = args[++i];
                    break;
                case "--filter" when i + 1 < args.Length:
                    filter = args[++i];
                    break;
                default:
                    throw new ArgumentException($"unknown or incomplete argument '{args[i]}'");
            }
        }
        return new BenchmarkSettings(runs, write, filter);
    }
}
