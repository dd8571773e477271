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
    public static async Task<bool> RunToEndAsync(IHost host, TextWriter error, TimeSpan? duration, CancellationToken cancellationToken)
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
        try
        {
            var aborted = Task.Delay(Timeout.Infinite, abort.Token);
            await Task.WhenAny(monitor.AllEnded, aborted).ConfigureAwait(false);
            if (abort.IsCancellationRequested)
            {
                await host.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
                return hasSources;
            }
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return false;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
