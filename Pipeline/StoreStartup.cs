using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using UniHCP.Pipeline.Store;

namespace UniHCP.Pipeline.Hosting;

/// <summary>Applies pending schema migrations when the host starts (unless Store:MigrateOnStart is false), before any
/// stage opens: an unreachable database stops the start with the reason.</summary>
internal sealed class StoreStartup(NpgsqlDataSource store, IOptions<StoreOptions> options, ILogger<StoreStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStart)
            return;
        var applied = await SchemaMigrator.MigrateAsync(store, cancellationToken).ConfigureAwait(false);
        if (applied.Count > 0)
            HostingLog.Migrated(logger, string.Join(", ", applied));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
