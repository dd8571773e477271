using Npgsql;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>
/// A fresh database on the real PostgreSQL server that infra/setup.sh runs, created for one test
/// class, migrated, and dropped afterwards. The server comes from UNIHCP_ConnectionStrings__Store
/// (infra/test.sh exports it from .local/env; when run directly, .local/env is read).
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    private readonly bool _migrate;

    /// <summary>A migrated database (xunit builds class fixtures with this constructor: it must be the only public one).</summary>
    public TestDatabase()
        : this(migrate: true)
    {
    }

    private TestDatabase(bool migrate) => _migrate = migrate;

    /// <summary>An empty database with no schema (for migration tests).</summary>
    public static TestDatabase Unmigrated() => new(migrate: false);

    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";
    public string Name { get; } = "unihcp_test_" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        var server = new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = "postgres", Pooling = false };
        await using (var admin = new NpgsqlConnection(server.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database \"{Name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = Name, Pooling = true }.ConnectionString;
        DataSource = StoreDataSource.Create(new StoreOptions { ConnectionString = ConnectionString });
        if (_migrate)
            await SchemaMigrator.MigrateAsync(DataSource);
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        var server = new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = "postgres", Pooling = false };
        await using var admin = new NpgsqlConnection(server.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists \"{Name}\" with (force)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    public static string ServerConnectionString()
    {
        string? value = Environment.GetEnvironmentVariable("UNIHCP_ConnectionStrings__Store");
        if (!string.IsNullOrEmpty(value))
            return value;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string env = Path.Combine(dir.FullName, ".local", "env");
            if (!File.Exists(env))
                continue;
            foreach (string line in File.ReadLines(env))
            {
                const string prefix = "export UNIHCP_ConnectionStrings__Store=";
                if (!line.StartsWith(prefix, StringComparison.Ordinal))
                    continue;
                // The line reads "${UNIHCP_ConnectionStrings__Store:-<default>}": take the default.
                string written = line[prefix.Length..].Trim('"');
                int fallback = written.IndexOf(":-", StringComparison.Ordinal);
                return written.StartsWith("${", StringComparison.Ordinal) && fallback > 0 ? written[(fallback + 2)..].TrimEnd('}') : written;
            }
        }
        throw new InvalidOperationException("No PostgreSQL server for the store tests: run infra/test.sh (it starts one and writes .local/env).");
    }
}
