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
            FreeGuard.Install(); // normally done by the module initializer already
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

    private static int s_threads; // the last count asked for; 0: libtorch's default

    /// <summary>Sets the intra-op thread count used by libtorch on this process (0 = leave libtorch's default). OpenMP
    /// keeps the count per calling thread, so threads that run the model later apply it with <see cref="ApplyThreadsHere"/>.</summary>
    public static void SetThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        EnsureLoaded();
        if (threads > 0)
        {
            Volatile.Write(ref s_threads, threads);
            torch.set_num_threads(threads);
        }
    }

    /// <summary>The count <see cref="SetThreads"/> was last given (0: none); settable so that a test can put it back.</summary>
    internal static int RequestedThreads
    {
        get => Volatile.Read(ref s_threads);
        set => Volatile.Write(ref s_threads, value);
    }

    /// <summary>Applies the count <see cref="SetThreads"/> was last given to the calling thread (a model thread
    /// made after the engine was built); nothing when none was given.</summary>
    internal static void ApplyThreadsHere()
    {
        int threads = Volatile.Read(ref s_threads);
        if (threads > 0)
            torch.set_num_threads(threads);
    }
}
