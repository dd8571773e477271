using System.Collections.Concurrent;
using TorchSharp;

namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>
/// One long-lived thread that runs model calls in order. Async code (a stage, a web request) otherwise resumes on
/// whichever thread-pool thread is free, and OpenMP (libtorch's intra-op threads) gives every new calling thread a
/// team of workers of its own: measured on the main job, the model's work spread over four callers and four
/// workers, each with its own heap arena and caches, where one caller and one worker do the same work.
/// </summary>
internal sealed class ModelThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;
    private readonly int _threads;
    private bool _disposed;

    /// <param name="name">The thread's name (seen in debuggers and /proc).</param>
    /// <param name="threads">libtorch threads for this thread's calls; 0: the count <see cref="TorchRuntime.SetThreads"/>
    /// was last given (libtorch's default when none was).</param>
    public ModelThread(string name, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _threads = threads;
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the model thread after the work queued before it; its result or
    /// exception comes back through the task (continuations run on the thread pool, not on the model thread).</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task;
    }

    private void Loop()
    {
        // OpenMP's thread count is per calling thread, so it is set here. libtorch sets a thread's count once more on its
        // first parallel call, from the count last set by any thread: that first call is made before ours, so that
        // another model thread's count cannot replace this one's later.
        TorchRuntime.EnsureLoaded();
        _ = torch.get_num_threads();
        if (_threads > 0)
            torch.set_num_threads(_threads);
        else
            TorchRuntime.ApplyThreadsHere();
        foreach (var item in _work.GetConsumingEnumerable())
            item();
    }

    /// <summary>Lets the queued work finish, then ends the thread.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }
}
