using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store;

/// <summary>
/// Applies the versioned SQL scripts embedded in this assembly (Migrations/NNNN_name.sql) that the
/// database has not seen, in order, in one transaction, under an advisory lock so that several
/// processes starting together migrate once. Re-running changes nothing.
/// </summary>
public static partial class SchemaMigrator
{
    private const long LockKey = 0x554E4948435053; // "UNIHCPS"

    public sealed record Script(int Version, string Name, string Sql);

    public static IReadOnlyList<Script> Scripts { get; } = LoadScripts();

    /// <summary>Applies what is missing; returns the names applied now (empty when up to date).</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_xact_lock(@key)", new { key = LockKey }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "create table if not exists schema_migrations (version integer primary key, name text not null, applied timestamptz not null default now())",
            transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var applied = (await connection.QueryAsync<int>(new CommandDefinition("select version from schema_migrations", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet();
        int newest = Scripts.Count == 0 ? 0 : Scripts.Max(s => s.Version);
        if (applied.Count > 0 && applied.Max() > newest)
            throw new InvalidOperationException($"The database's schema is at version {applied.Max()}, newer than this program's {newest}: update the program.");
        var done = new List<string>();
        foreach (var script in Scripts.Where(s => !applied.Contains(s.Version)))
        {
            await connection.ExecuteAsync(new CommandDefinition(script.Sql, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition("insert into schema_migrations (version, name) values (@Version, @Name)", new { script.Version, script.Name }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            done.Add($"{script.Version:D4}_{script.Name}");
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return done;
    }

    private static List<Script> LoadScripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var scripts = new List<Script>();
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            var match = ScriptName().Match(resource);
            if (!match.Success)
                continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            scripts.Add(new Script(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }
        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        return scripts;
    }

    [GeneratedRegex(@"Migrations\.(\d{4})_([A-Za-z0-9_]+)\.sql$")]
    private static partial Regex ScriptName();
}
