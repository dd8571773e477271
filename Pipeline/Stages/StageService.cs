using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace UniHCP.Pipeline.Hosting.Stages;

/// <summary>
/// A pipeline stage as a hosted service. Its subscriptions and publishers are opened when the host starts it, and it
/// reads only once every hosted service of the process has started, so that no stage publishes before every
/// subscription of the process exists (the in-process transport fixes a topic's groups when publishing starts). Its
/// end - completed, stopped or failed - is reported to the <see cref="StageMonitor"/>, which ends the host when every
/// stage has ended; a failure is logged with its reason and never left to a fire-and-forget task.
/// </summary>
public abstract class StageService(string name, StageMonitor monitor, ILogger logger) : BackgroundService
{
    /// <summary>The stage's name in logs, health and metrics: ingest, inference, tracking, identities, store.</summary>
    public string Name { get; } = name;

    /// <summary>The process's stages (for a stage that must see when the sources stop).</summary>
    protected StageMonitor Monitor { get; } = monitor;

    /// <summary>True when every input of the stage has partitions assigned (in-process: always).</summary>
    public abstract bool InputAssigned { get; }

    /// <summary>Opens the stage's subscriptions and publishers (and loads what it needs); a failure here fails the host's
    /// start, with the reason.</summary>
    protected abstract Task OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs until the stage's input ends (files) or <paramref name="stoppingToken"/> is cancelled.</summary>
    protected abstract Task RunAsync(CancellationToken stoppingToken);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Monitor.AllStarted.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Monitor.Report(Name, StageState.Stopped);
            return;
        }
        Monitor.Report(Name, StageState.Running);
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
            HostingLog.StageCompleted(logger, Name);
            Monitor.Report(Name, StageState.Completed);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            HostingLog.StageStopped(logger, Name);
            Monitor.Report(Name, StageState.Stopped);
        }
        catch (Exception ex)
        {
            HostingLog.StageFailed(logger, Name, ex.Message, ex);
            Monitor.Report(Name, StageState.Failed, ex);
        }
    }
}
