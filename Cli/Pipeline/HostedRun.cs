using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using UniHCP.Pipeline.Hosting;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>
/// Runs a pipeline host from the console: starts it (a bad setting, unusable weights or an unreachable database stop
/// it there, with the reason), then waits until every stage has ended. The command's cancellation (the first Ctrl+C)
/// or the --duration stops the sources, and what they published drains through the other stages; a second Ctrl+C
/// aborts at once (what was not yet committed is not stored).
/// </summary>
internal static class HostedRun
{
    /// <summary>Null when the host started; otherwise the exit code, after writing why to <paramref name="error"/>.</summary>
    /// <summary>Builds the host; a setting the build itself reads and finds bad (the transport's kind) is bad input with
    /// its message, like those the start reports, not a crash.</summary>
    public static int? TryBuild(Func<IHost> build, TextWriter error, out IHost? host)
    {
        try
        {
            host = build();
            return null;
        }
        catch (Exception ex) when (ex is OptionsValidationException or ArgumentException)
        {
            host = null;
            return ErrorReporter.BadInput(error, ex);
        }
    }

    public static async Task<int?> TryStartAsync(IHost host, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is OptionsValidationException or ArgumentException or FileNotFoundException or InvalidDataException or InvalidOperationException)
        {
            return ErrorReporter.BadInput(error, ex);
        }
        catch (Exception ex) when (ex is NpgsqlException)
        {
            error.WriteLine($"error: cannot use the store: {ex.Message} (is PostgreSQL running? infra/setup.sh starts the local one)");
            return ExitCodes.PartialFailure;
        }
        catch (Exception ex) when (ex is KafkaException or DllNotFoundException)
        {
            error.WriteLine($"error: Kafka: {ex.Message}");
            return ExitCodes.PartialFailure;
        }
    }

    /// <summary>Waits for every stage to end; returns true when the run was aborted by a second Ctrl+C. A process
    /// without sources (a consumer stage over Kafka) has nothing to drain: the first Ctrl+C stops it, committing what
    /// it acknowledged.</summary>
    /// <param name="progress">What the run has done so far (any text that changes when something moves); with it, a
    /// drain that has not moved for <paramref name="stallLimit"/> (default 60 s) after the sources stopped is aborted with
    /// a message - a broker that died mid-run would otherwise hold the drain, and the process, for ever.</param>
    public static async Task<RunEnd> RunToEndAsync(IHost host, TextWriter error, TimeSpan? duration, CancellationToken cancellationToken,
        Func<string>? progress = null, TimeSpan? stallLimit = null)
    {
        bool hasSources = host.Services.GetServices<StageRegistration>().Any(s => s.Name == "ingest");
        var monitor = host.Services.GetRequiredService<StageMonitor>();
        using var abort = new CancellationTokenSource();
        int presses = 0;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (Interlocked.Increment(ref presses) == 1)
                error.WriteLine("\nstopping: the sources stop and what is in flight drains into its destination (Ctrl+C again to abort)");
            else
                abort.Cancel();
            e.Cancel = true;
        };
        Console.CancelKeyPress += onCancel;
        using var stopOnCancel = cancellationToken.Register(() =>
        {
            monitor.StopSources();
            if (!hasSources)
                abort.Cancel();
        });
        using var stopAfter = duration is { } limit ? new CancellationTokenSource(limit) : null;
        using var stopOnDuration = stopAfter?.Token.Register(monitor.StopSources);
        using var watchdogEnd = new CancellationTokenSource();
        var watchdog = progress is null ? Task.FromResult(false)
            : WatchDrainAsync(monitor, progress, stallLimit ?? TimeSpan.FromSeconds(60), error, abort, watchdogEnd.Token);
        try
        {
            var aborted = Task.Delay(Timeout.Infinite, abort.Token);
            await Task.WhenAny(monitor.AllEnded, aborted).ConfigureAwait(false);
            if (abort.IsCancellationRequested)
            {
                await host.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
                return watchdog.IsCompletedSuccessfully && watchdog.Result ? RunEnd.Stalled : hasSources ? RunEnd.Aborted : RunEnd.Drained;
            }
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return RunEnd.Drained;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            await watchdogEnd.CancelAsync().ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
        }
    }

    // Once the sources are stopping, aborts the run when its progress text has not changed for the limit; true when it did.
    private static async Task<bool> WatchDrainAsync(StageMonitor monitor, Func<string> progress, TimeSpan limit, TextWriter error,
        CancellationTokenSource abort, CancellationToken end)
    {
        using (var stopping = CancellationTokenSource.CreateLinkedTokenSource(monitor.SourcesStopping, end))
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!end.IsCancellationRequested)
            {
                // The sources are stopping: the drain begins.
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        string last = progress();
        long lastMoved = Environment.TickCount64;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(limit.TotalMilliseconds / 10, 10, 1000)));
        try
        {
            while (await tick.WaitForNextTickAsync(end).ConfigureAwait(false))
            {
                string now = progress();
                if (!string.Equals(now, last, StringComparison.Ordinal))
                {
                    (last, lastMoved) = (now, Environment.TickCount64);
                    continue;
                }
                if (Environment.TickCount64 - lastMoved < (long)limit.TotalMilliseconds)
                    continue;
                error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"\nstopping: nothing has moved for {limit.TotalSeconds:0} s while draining ({now}); aborting - what was still in flight is not stored (a database or Kafka broker that stopped answering, or a failed stage? see the messages above)"));
                await abort.CancelAsync().ConfigureAwait(false);
                return true;
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended by itself.
        }
        return false;
    }
}

/// <summary>How a run ended: drained (every stage finished its input), aborted (a second Ctrl+C), or stalled (its drain
/// made no progress for the stall limit and was aborted).</summary>
internal enum RunEnd
{
    Drained,
    Aborted,
    Stalled,
}
