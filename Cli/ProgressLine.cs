namespace UniHCP.Pipeline.Cli;

/// <summary>
/// A self-updating status line on stderr for long work, refreshed once a second. Only on a
/// terminal: redirected output (CI logs, files) gets the final summary only.
/// </summary>
internal sealed class ProgressLine : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private bool _stopped;

    private ProgressLine(Func<string> describe, bool enabled)
    {
        _loop = enabled ? Task.Run(() => LoopAsync(describe)) : Task.CompletedTask;
    }

    public static ProgressLine Start(Func<string> describe) => new(describe, !Console.IsErrorRedirected);

    public void Stop()
    {
        if (_stopped)
            return;
        _stopped = true;
        _stop.Cancel();
        _loop.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }

    private async Task LoopAsync(Func<string> describe)
    {
        int width = 0;
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                string line = describe();
                width = Math.Max(width, line.Length);
                await Console.Error.WriteAsync("\r" + line.PadRight(width));
            }
        }
        catch (OperationCanceledException)
        {
        }
        if (width > 0)
            await Console.Error.WriteAsync("\r" + new string(' ', width) + "\r");
    }
}
