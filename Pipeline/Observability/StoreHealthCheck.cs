using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace UniHCP.Pipeline.Hosting;

/// <summary>/healthz: the database answers.</summary>
public sealed class StoreHealthCheck(NpgsqlDataSource store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = store.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("database answers");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"database: {ex.Message}");
        }
    }
}
