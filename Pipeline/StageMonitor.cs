using Microsoft.Extensions.Hosting;

namespace UniHCP.Pipeline.Hosting;

/// <summary>Where a stage of this process is in its life.</summary>
public enum StageState
{
    /// <summary>Registered, not yet reading (waiting for every stage of the process to start).</summary>
    Starting,

    /// <summary>Reading its input.</summary>
    Running,

    /// <summary>Its input ended and everything was handed on.</summary>
    Completed,

    /// <summary>Stopped by the host before its input ended (what it acknowledged is kept).</summary>
    Stopped,

    /// <summary>Ended with an error.</summary>
    Failed,
}

/// <summary>A stage's state, and the error it failed with.</summary>
public sealed record StageStatus(string Name, StageState State, Exception? Error = null);

/// <summary>
/// The stages of this process and how they are doing: the one place that knows when every stage has started (so
/// that no stage publishes before every subscription of the process exists), that stops the sources when a stage
/// fails (nothing would consume their frames), and that ends the host when every stage has ended. Health checks and
/// the run summary read it.
/// </summary>
public sealed class StageMonitor
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, StageStatus> _stages = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopSources = new();

    public StageMonitor(IEnumerable<StageRegistration> stages, IHostApplicationLifetime lifetime)
    {
        foreach (var stage in stages)
            _stages[stage.Name] = new StageStatus(stage.Name, StageState.Starting);
        lifetime.ApplicationStarted.Register(() => _started.TrySetResult());
        lifetime.ApplicationStopping.Register(() => _started.TrySetCanceled());
        _ended.Task.ContinueWith(_ => lifetime.StopApplication(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        if (_stages.Count == 0)
            _ended.TrySetResult();
    }

    /// <summary>Completes when every hosted service of the process has started (every subscription exists).</summary>
    public Task AllStarted => _started.Task;

    /// <summary>Completes when every stage has ended, in whatever state.</summary>
    public Task AllEnded => _ended.Task;

    /// <summary>Cancelled when the sources should stop reading (first Ctrl+C, or a stage failed): what they published
    /// drains through the other stages.</summary>
    public CancellationToken SourcesStopping => _stopSources.Token;

    public IReadOnlyList<StageStatus> Stages
    {
        get
        {
            lock (_sync)
                return [.. _stages.Values];
        }
    }

    /// <summary>The first stage failure, or null.</summary>
    public StageStatus? FirstFailure => Stages.FirstOrDefault(s => s.State == StageState.Failed);

    /// <summary>Stops the sources; the rest of the pipeline drains and ends.</summary>
    public void StopSources() => _stopSources.Cancel();

    internal void Report(string name, StageState state, Exception? error = null)
    {
        bool allEnded;
        lock (_sync)
        {
            _stages[name] = new StageStatus(name, state, error);
            allEnded = _stages.Values.All(s => s.State is StageState.Completed or StageState.Stopped or StageState.Failed);
        }
        if (state == StageState.Failed)
            StopSources();
        if (allEnded)
            _ended.TrySetResult();
    }
}

/// <summary>A stage this process hosts (registered by its Add... method).</summary>
public sealed record StageRegistration(string Name);
