using Microsoft.Extensions.Hosting;

namespace UniHCP.Pipeline.Hosting;

/// <summary>The host's lifetime when a command owns the console: no signal handlers of its own, because the command
/// gives Ctrl+C its two meanings (first: stop the sources and drain; second: abort).</summary>
internal sealed class CommandLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
