using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>Messages that could not be stored or processed, kept with the reason instead of being dropped.</summary>
public sealed class DeadLetters(NpgsqlDataSource dataSource)
{
    public async Task AddAsync(string source, string? key, byte[]? payload, string reason, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "insert into dead_letters (source, key, payload, reason) values (@source, @key, @payload, @reason)",
            new { source, key, payload, reason }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<(long Id, string Source, string? Key, string Reason, DateTimeOffset Created)>> ListAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long, string, string?, string, DateTimeOffset)>(new CommandDefinition(
            "select id, source, key, reason, created from dead_letters order by id desc limit @limit", new { limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToList();
    }
}
