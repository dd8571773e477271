using System.Collections.Concurrent;
using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>
/// Attribute names and their small ids (attribute probabilities are stored as arrays indexed by
/// them, 1-based). New names get ids on first sight; the mapping is cached per process.
/// </summary>
public sealed class AttributeVocabulary
{
    private readonly ConcurrentDictionary<string, short> _ids = new(StringComparer.Ordinal);

    /// <summary>Ids for the names, adding missing ones in the given transaction.</summary>
    public async Task<short[]> IdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var missing = names.Where(n => !_ids.ContainsKey(n)).Distinct(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "insert into attribute_names (name) select unnest(@missing) on conflict (name) do nothing", new { missing }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var row in await connection.QueryAsync<(short Id, string Name)>(new CommandDefinition(
                "select id, name from attribute_names where name = any(@missing)", new { missing }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
                _ids[row.Name] = row.Id;
        }
        return names.Select(n => _ids[n]).ToArray();
    }

    /// <summary>All known names by id (for queries), read fresh.</summary>
    public static async Task<Dictionary<string, short>> ReadAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(short Id, string Name)>(new CommandDefinition("select id, name from attribute_names", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Name, r => r.Id, StringComparer.OrdinalIgnoreCase);
    }
}
