using UniHCP.Pipeline.Inference.Engine;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Not run beside other tests: one test changes the process's requested libtorch thread count for a moment.</summary>
[CollectionDefinition(nameof(ModelThreadTests), DisableParallelization = true)]
public sealed class ModelThreadTestsCollection;

[Collection(nameof(ModelThreadTests))]
public sealed class ModelThreadTests
{
    [Fact]
    public async Task Work_from_many_callers_runs_on_one_thread_in_the_order_it_was_queued()
    {
        using var thread = new ModelThread("test model");
        var order = new List<int>();
        var queued = Enumerable.Range(0, 50).Select(i => thread.RunAsync(() =>
        {
            order.Add(i); // only the model thread touches the list
            return Environment.CurrentManagedThreadId;
        })).ToList();

        int[] threads = await Task.WhenAll(queued);

        Assert.Single(threads.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);
        Assert.Equal(Enumerable.Range(0, 50), order);
    }

    [Fact]
    public async Task A_failing_call_fails_only_its_own_task()
    {
        using var thread = new ModelThread("test model");
        var failing = thread.RunAsync<int>(() => throw new InvalidOperationException("bad frame"));
        var next = thread.RunAsync(() => 7);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal("bad frame", error.Message);
        Assert.Equal(7, await next);
    }

    [Fact]
    public async Task Dispose_lets_queued_work_finish_and_refuses_more()
    {
        var thread = new ModelThread("test model");
        using var release = new ManualResetEventSlim();
        var slow = thread.RunAsync(() => release.Wait(TimeSpan.FromSeconds(30)));
        var queued = thread.RunAsync(() => 2);
        release.Set();

        thread.Dispose();

        Assert.True(await slow);
        Assert.Equal(2, await queued);
        Assert.Throws<ObjectDisposedException>(() => { _ = thread.RunAsync(() => 3); }); // thrown at the call, not in the task
    }

    [Fact]
    public async Task The_thread_count_asked_for_before_reaches_the_model_thread()
    {
        TorchRuntime.EnsureLoaded();
        int requested = TorchRuntime.RequestedThreads, here = get_num_threads();
        try
        {
            TorchRuntime.SetThreads(1);
            using var thread = new ModelThread("test model");

            Assert.Equal(1, await thread.RunAsync(get_num_threads)); // OpenMP's count is per thread: it had to be applied there
        }
        finally
        {
            TorchRuntime.RequestedThreads = requested;
            set_num_threads(here);
        }
    }
}
