using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>A registered weights version.</summary>
public sealed record ModelVersionRecord(string Version, string Config, string Tasks, string Metrics, string? Path, DateTimeOffset Created);

/// <summary>The weights registry (model_versions): training registers what it exports; the pipeline what it runs.</summary>
public sealed class ModelRegistry(NpgsqlDataSource dataSource)
{
    /// <summary>Registers (or updates) a version; <paramref name="config"/>, <paramref name="tasks"/> and <paramref name="metrics"/> are JSON.</summary>
    public async Task RegisterAsync(string version, string config, string tasks, string metrics, string? path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            insert into model_versions (version, config, tasks, metrics, path) values (@version, @config::jsonb, @tasks::jsonb, @metrics::jsonb, @path)
            on conflict (version) do update set config = excluded.config, tasks = excluded.tasks, metrics = excluded.metrics, path = excluded.path
            """,
            new { version, config, tasks, metrics, path }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ModelVersionRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // Npgsql reads timestamptz as a UTC DateTime, which Dapper cannot hand to the record's DateTimeOffset.
        var rows = await connection.QueryAsync<(string Version, string Config, string Tasks, string Metrics, string? Path, DateTime Created)>(new CommandDefinition(
            "select version, config::text as config, tasks::text as tasks, metrics::text as metrics, path, created from model_versions order by created desc",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new ModelVersionRecord(r.Version, r.Config, r.Tasks, r.Metrics, r.Path, new DateTimeOffset(DateTime.SpecifyKind(r.Created, DateTimeKind.Utc)))).ToList();
    }
}
