using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store;

/// <summary>
/// Applies the versioned SQL scripts embedded in this assembly (Migrations/NNNN_name.sql) that the
/// database has not seen, in order, in one transaction, under an advisory lock so that several
/// processes starting together migrate once. Re-running changes nothing. Each applied script's SHA-256 is
/// recorded; a script edited after a database applied it is refused, because that database would silently
/// lack the edit (a change to the schema goes into a new script).
/// </summary>
public static partial class SchemaMigrator
{
    private const long LockKey = 0x554E4948435053; // "UNIHCPS"

    public sealed record Script(int Version, string Name, string Sql)
    {
        /// <summary>SHA-256 of the script's text with line endings made \n, in hex: a checkout that turns them
        /// into \r\n is the same script.</summary>
        public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.Replace("\r\n", "\n", StringComparison.Ordinal))));

        public string FileName => $"{Version:D4}_{Name}.sql";
    }

    private sealed record AppliedScript(int Version, string Name, string? Checksum);

    public static IReadOnlyList<Script> Scripts { get; } = LoadScripts();

    /// <summary>Applies what is missing; returns the names applied now (empty when up to date).</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_xact_lock(@key)", new { key = LockKey }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            create table if not exists schema_migrations (version integer primary key, name text not null, applied timestamptz not null default now());
            alter table schema_migrations add column if not exists checksum text;
            """,
            transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var applied = (await connection.QueryAsync<AppliedScript>(new CommandDefinition("select version, name, checksum from schema_migrations", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(a => a.Version);
        int newest = Scripts.Count == 0 ? 0 : Scripts.Max(s => s.Version);
        if (applied.Count > 0 && applied.Keys.Max() > newest)
            throw new InvalidOperationException($"The database's schema is at version {applied.Keys.Max()}, newer than this program's {newest}: update the program.");
        foreach (var script in Scripts.Where(s => applied.ContainsKey(s.Version)))
        {
            var record = applied[script.Version];
            if (record.Checksum is null)
            {
                // Applied before checksums were recorded: the script as it is now is taken as what was applied.
                await connection.ExecuteAsync(new CommandDefinition("update schema_migrations set checksum = @Checksum where version = @Version", new { script.Checksum, script.Version }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            else if (!string.Equals(record.Checksum, script.Checksum, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"Migration {script.FileName} was changed after this database applied it (applied as {record.Version:D4}_{record.Name}, checksum {record.Checksum}; "
                    + $"the program's script has {script.Checksum}). The database does not have the change: restore the script as it was and put the change in a new migration.");
            }
        }
        var done = new List<string>();
        foreach (var script in Scripts.Where(s => !applied.ContainsKey(s.Version)))
        {
            await connection.ExecuteAsync(new CommandDefinition(script.Sql, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition("insert into schema_migrations (version, name, checksum) values (@Version, @Name, @Checksum)", new { script.Version, script.Name, script.Checksum }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            done.Add($"{script.Version:D4}_{script.Name}");
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        // A script may have created types (pgvector's halfvec); the data source maps them only once it reloads.
        if (done.Count > 0)
            await connection.ReloadTypesAsync(cancellationToken).ConfigureAwait(false);
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
