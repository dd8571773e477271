using System.Diagnostics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>The free guard (FreeGuard.cs, Native/free_guard.c): Scalars and tensors freed by TorchSharp's finalizers
/// wait before they are freed, so a garbage collection during a tensor op can no longer free what libtorch reads.</summary>
public sealed class FreeGuardTests
{
    [Fact]
    public void Handles_are_freed_only_once_their_delay_has_passed_oldest_first_and_each_once()
    {
        var freed = new List<IntPtr>();
        var release = new DelayedRelease(TimeSpan.FromSeconds(2), freed.Add);
        long second = Stopwatch.Frequency;

        release.Add(1, 0);
        release.Add(2, second);
        release.Add(3, 2 * second - 1);
        Assert.Empty(freed); // nothing has waited two seconds yet
        release.Add(4, 2 * second);
        Assert.Equal([(IntPtr)1], freed);
        release.ReleaseDue(10 * second);
        Assert.Equal([(IntPtr)1, 2, 3, 4], freed);
        Assert.Equal((4L, 4L, 0), (release.Deferred, release.Released, release.Pending));
        Assert.False(release.HasPending);
    }

    [Fact]
    public void An_owner_s_dispose_frees_at_once_and_a_finalizer_s_free_waits()
    {
        Assert.True(FreeGuard.Active, FreeGuard.Problem);
        long frees = FreeGuard.Frees, scalars = FreeGuard.DeferredScalars, tensors = FreeGuard.DeferredTensors;

        2.5.ToScalar().Dispose();
        Assert.True(FreeGuard.Frees > frees, "a disposed Scalar went through the guard");

        LeaveAScalarAndATensorToTheirFinalizers();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.True(FreeGuard.DeferredScalars > scalars, "a finalized Scalar waits");
        Assert.True(FreeGuard.DeferredTensors > tensors, "a finalized tensor waits");
        using var scope = NewDisposeScope();
        var sum = ones(3) + ones(3); // the library answers every other call as before
        Assert.Equal([2f, 2f, 2f], sum.data<float>().ToArray());
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // so that no local of the test keeps them alive
    private static void LeaveAScalarAndATensorToTheirFinalizers()
    {
        _ = 1.5.ToScalar();
        _ = zeros(2);
    }

    // Without the guard this loop failed 5-15 times a minute on a 2-core host ("Expected false to be true ... toFloat"
    // from an addition's alpha, freed by a collection the other thread caused): 3,000,000 additions take about 11 s there.
    [Fact]
    public void Additions_beside_a_thread_that_allocates_never_read_a_freed_scalar_or_tensor()
    {
        using var generator = new Generator(7);
        using var a = rand([64, 256], generator: generator);
        using var b = rand([64, 256], generator: generator);
        using var expected = a.add(b);
        bool stop = false;
        var churn = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                for (int k = 0; k < 1000; k++)
                    GC.KeepAlive(new object[64]);
                Thread.Yield();
            }
        });
        churn.Start();
        var failures = new List<string>();
        try
        {
            for (int i = 0; i < 3_000_000; i++)
            {
                try
                {
                    using var c = a + b;
                    if (i % 1000 == 0 && !c.equal(expected).all().item<bool>())
                        failures.Add($"addition {i}: a wrong sum");
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    failures.Add($"addition {i}: {ex.Message.Split('\n')[0]}");
                }
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            churn.Join();
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
    }
}
