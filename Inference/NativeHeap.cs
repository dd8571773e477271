using System.Runtime.InteropServices;

namespace UniHCP.Pipeline.Inference;

/// <summary>
/// Makes the C heap keep large freed blocks for reuse. glibc hands every block above its mmap threshold (at most
/// 32 MB) to the kernel fresh on each allocation and back on each free, so a 45 MB trunk activation is page-faulted
/// and zeroed again on every batch, with the two libtorch threads taking turns at the process's memory-map lock.
/// Measured on the main job (2 cores, back to back, docs/benchmarks.md): system time 17-23 s -> 5-10 s and
/// 6.3-7.9 -> 7.1-8.3 frames/s, peak resident memory unchanged (1.19 against 1.25 GB). Blocks above a thread
/// heap's 64 MB are still mapped by glibc itself, and a top-of-heap surplus above 1 GB is still given back.
/// </summary>
public static class NativeHeap
{
    /// <summary>Set to 0 (or false) to leave glibc's defaults: an A/B switch and an escape hatch; 1, true or unset: reuse.</summary>
    public const string Variable = "UNIHCP_REUSE_LARGE_ALLOCATIONS";

    private const int TrimThreshold = -1, MmapMax = -4; // mallopt parameters (malloc.h)
    private const int KeptAtTop = 1 << 30;

    /// <summary>What <see cref="Configure"/> did, for a log line; null before it ran.</summary>
    public static string? State { get; private set; }

    /// <summary>Applies the setting once per process (before libtorch allocates); a no-op off glibc Linux, when
    /// the variable says no, or when GLIBC_TUNABLES already sets malloc (the caller's choice wins).</summary>
    internal static void Configure()
    {
        if (State is not null)
            return;
        string? choice = Environment.GetEnvironmentVariable(Variable);
        if (!Wanted(choice))
            State = $"glibc defaults ({Variable}={choice})";
        else if (!OperatingSystem.IsLinux())
            State = "not Linux: the platform's defaults";
        else if (Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("glibc.malloc.", StringComparison.Ordinal) == true)
            State = "GLIBC_TUNABLES sets malloc: left as given";
        else
            State = TryReuse() ? "large blocks reused (mmap off, trim above 1 GB)" : "mallopt unavailable (not glibc): the platform's defaults";
    }

    /// <summary>Reads the variable: unset, empty, 1 or true reuse; 0 or false leave glibc's defaults; anything else is
    /// refused (a misspelt switch must not quietly mean "on").</summary>
    internal static bool Wanted(string? choice)
    {
        string value = choice?.Trim() ?? "";
        if (value is "" or "1" || string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
            return true;
        if (value is "0" || string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
            return false;
        throw new ArgumentException($"{Variable} must be 1 or true (the default: keep large freed blocks) or 0 or false (glibc's defaults); got '{choice}'.");
    }

    private static bool TryReuse()
    {
        try
        {
            // mallopt returns 1 on success; the trim threshold first, so that a refused second call leaves nothing half done that matters.
            return Mallopt(TrimThreshold, KeptAtTop) == 1 && Mallopt(MmapMax, 0) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);
}
