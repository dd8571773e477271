using TorchSharp;

namespace UniHCP.Pipeline.Inference;

/// <summary>
/// Loads libtorch once and reports what it can run on. The first TorchSharp call is where a
/// broken native install shows up, so it is made here, with an error that says what to do.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock s_sync = new();
    private static bool s_initialised;

    /// <summary>True when libtorch was built with CUDA and a CUDA device is visible.</summary>
    public static bool CudaAvailable
    {
        get
        {
            EnsureLoaded();
            return torch.cuda.is_available();
        }
    }

    /// <summary>
    /// Loads the native libraries (idempotent). Throws <see cref="InvalidOperationException"/> with
    /// the likely cause when they cannot be loaded.
    /// </summary>
    public static void EnsureLoaded()
    {
        lock (s_sync)
        {
            if (s_initialised)
                return;
            NativeHeap.Configure();
            try
            {
                // Any tensor op forces the native load.
                using var probe = torch.zeros(1);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidOperationException(
                    "libtorch could not be loaded. On Debian 12 the build patches bin/**/libLibTorchSharp.so " +
                    "(see Directory.Build.targets); rebuild the project rather than copying binaries, and check " +
                    "`ldd` on that file for a missing library. Original error: " + ex.Message, ex);
            }
            s_initialised = true;
        }
    }

    /// <summary>Sets the intra-op thread count used by libtorch on this process (0 = leave libtorch's default).</summary>
    public static void SetThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        EnsureLoaded();
        if (threads > 0)
            torch.set_num_threads(threads);
    }
}
