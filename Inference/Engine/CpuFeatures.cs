namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>What the CPU offers that changes the best default (read from /proc/cpuinfo on Linux).</summary>
public static class CpuFeatures
{
    private static readonly Lazy<bool> s_bf16 = new(() => Flags().Overlaps(["avx512_bf16", "amx_bf16"]));

    /// <summary>True where bfloat16 matrix arithmetic runs in hardware (AVX-512 BF16 or AMX), so bf16 is faster than float32.</summary>
    public static bool HasFastBFloat16 => s_bf16.Value;

    private static HashSet<string> Flags()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo))
            return [];
        try
        {
            // The first "flags" line: all cores of a machine report the same set.
            string? line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line is null ? [] : [.. line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        }
        catch (IOException)
        {
            return [];
        }
    }
}
