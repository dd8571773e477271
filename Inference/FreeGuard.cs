using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace UniHCP.Pipeline.Inference;

/// <summary>
/// Keeps libtorch from reading freed Scalars and tensors. TorchSharp 0.107 (the newest served) hands libtorch the
/// handles of objects nothing keeps alive through the call: the Scalars it makes itself (the alpha of every
/// <c>tensor + tensor</c>, the optimizers' coefficients; dispose scopes do not hold Scalars) and any temporary tensor
/// outside a dispose scope (<c>a.f().g()</c>). A garbage collection on another thread during the call can finalize one
/// and free its handle while libtorch reads it. Measured (2 cores): a loop of 64 x 256 additions beside a thread that
/// allocates failed 5-15 times a minute with "Expected false to be true ... toFloat" - the failure our test runs met
/// once in a while - and a chained <c>equal(..).all()</c> crashed the process; with this guard, neither.
/// <para>How: Native/free_guard.c, built beside this assembly, answers TorchSharp's P/Invokes in front of
/// libLibTorchSharp.so and sends Scalar and tensor frees here. Only frees made by the finalizer thread can race a call
/// (an owner that disposes still holds the object); those wait (<see cref="ScalarDelay"/>, <see cref="TensorDelay"/>),
/// every other free happens at once.</para>
/// </summary>
internal static unsafe class FreeGuard
{
    /// <summary>The native library built from Native/free_guard.c (see the Inference project file).</summary>
    public const string LibraryFile = "libUniHcpFreeGuard.so";

    /// <summary>How long a finalized Scalar is kept. libtorch reads a Scalar when an op's kernel starts (after its output
    /// is allocated: well under a millisecond), so a quarter of a second is a wide margin; longer costs memory, because
    /// the kept 32-byte Scalars pin the heap between large activations (the main job's peak resident memory: 1.15-1.18 GB
    /// without the guard or at 250 ms, 1.21-1.33 GB at 2 s).</summary>
    public static readonly TimeSpan ScalarDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a finalized tensor is kept: an op may read its inputs until it ends, so far longer than any one
    /// op of ours takes. Few are left to the finalizer (the main job: about a dozen small ones).</summary>
    public static readonly TimeSpan TensorDelay = TimeSpan.FromSeconds(2);

    private static readonly Lock s_sync = new();
    private static readonly DelayedRelease s_scalars = new(ScalarDelay, handle => s_freeScalar(handle));
    private static readonly DelayedRelease s_tensors = new(TensorDelay, handle => s_freeTensor(handle));
    private static delegate* unmanaged<IntPtr, void> s_freeScalar;
    private static delegate* unmanaged<IntPtr, void> s_freeTensor;
    private static bool s_installed;
    private static IntPtr s_shim;
    private static string? s_problem;
    private static long s_frees;
    private static int s_finalizerThread; // 0 until the probe's finalizer has run: every free waits meanwhile

    /// <summary>True once TorchSharp's calls go through the guard.</summary>
    public static bool Active => Volatile.Read(ref s_shim) != IntPtr.Zero;

    /// <summary>Why the guard is not active (null while it is, or before TorchSharp's first call).</summary>
    public static string? Problem => Volatile.Read(ref s_problem);

    /// <summary>Scalar and tensor frees that went through the guard so far (at once or after waiting).</summary>
    public static long Frees => Interlocked.Read(ref s_frees);

    /// <summary>Scalar frees that waited so far.</summary>
    public static long DeferredScalars => s_scalars.Deferred;

    /// <summary>Tensor frees that waited so far.</summary>
    public static long DeferredTensors => s_tensors.Deferred;

    // Before any TorchSharp P/Invoke is bound: a binding made before the resolver is set keeps the unguarded function.
#pragma warning disable CA2255 // A module initializer in a library is the point: it must run before the first tensor op.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Install()
    {
        lock (s_sync)
        {
            if (s_installed)
                return;
            s_installed = true;
            if (!OperatingSystem.IsLinux())
            {
                s_problem = "not Linux: TorchSharp frees Scalars and tensors itself";
                return;
            }
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
            }
            catch (InvalidOperationException ex)
            {
                s_problem = "TorchSharp already has a native library resolver: " + ex.Message;
                return;
            }
            // The finalizer thread is known once an object of ours is finalized: a young collection right away makes
            // that happen within moments (every free waits until then; the finalizer is not waited for here, as one
            // that needs this assembly would wait for us).
            LeaveProbe();
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "LibTorchSharp")
            return IntPtr.Zero;
        lock (s_sync)
        {
            if (s_shim != IntPtr.Zero || s_problem is not null)
                return s_shim; // zero: the runtime's own search, as without the guard
            string shimPath = Path.Combine(Path.GetDirectoryName(typeof(FreeGuard).Assembly.Location) ?? AppContext.BaseDirectory, LibraryFile);
            if (!File.Exists(shimPath))
            {
                s_problem = $"{shimPath} is missing (gcc builds it with this project)";
                return IntPtr.Zero;
            }
            // The real library first (TorchSharp's own search), so that the guard's dependency on it is already met.
            if (!NativeLibrary.TryLoad(name, assembly, searchPath, out IntPtr real))
                return IntPtr.Zero; // TorchSharp reports a missing libtorch itself
            if (!NativeLibrary.TryLoad(shimPath, out IntPtr shim) || !NativeLibrary.TryGetExport(shim, "unihcp_free_guard_install", out IntPtr install))
            {
                s_problem = $"{shimPath} could not be loaded";
                return IntPtr.Zero;
            }
            s_freeScalar = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(real, "THSTorch_dispose_scalar");
            s_freeTensor = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(real, "THSTensor_dispose");
            ((delegate* unmanaged<delegate* unmanaged<IntPtr, void>, delegate* unmanaged<IntPtr, void>, void>)install)(&FreeScalar, &FreeTensor);
            Volatile.Write(ref s_shim, shim);
            return shim;
        }
    }

    private static bool ByFinalizer
    {
        get
        {
            int finalizer = Volatile.Read(ref s_finalizerThread);
            return finalizer == 0 || finalizer == Environment.CurrentManagedThreadId;
        }
    }

    [UnmanagedCallersOnly]
    private static void FreeScalar(IntPtr scalar) => Free(scalar, s_scalars, s_freeScalar);

    [UnmanagedCallersOnly]
    private static void FreeTensor(IntPtr tensor) => Free(tensor, s_tensors, s_freeTensor);

    private static void Free(IntPtr handle, DelayedRelease waiting, delegate* unmanaged<IntPtr, void> free)
    {
        Interlocked.Increment(ref s_frees);
        long now = Stopwatch.GetTimestamp();
        if (ByFinalizer)
        {
            waiting.Add(handle, now);
            return;
        }
        free(handle);
        if (waiting.HasPending)
            waiting.ReleaseDue(now);
    }

    // Not inlined: no local of Install may keep the probe alive through the collection.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeaveProbe() => _ = new FinalizerThreadProbe();

    private sealed class FinalizerThreadProbe
    {
        ~FinalizerThreadProbe() => Volatile.Write(ref s_finalizerThread, Environment.CurrentManagedThreadId);
    }
}
