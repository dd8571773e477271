using Npgsql;
using Pgvector.Npgsql;

namespace UniHCP.Pipeline.Store;

/// <summary>Builds the Npgsql data source every store component shares (one connection pool per process).</summary>
public static class StoreDataSource
{
    public static NpgsqlDataSource Create(StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Store: the connection string is not valid: {ex.Message}", ex);
        }
        builder.ApplicationName ??= "unihcp";
        // No JIT compilation in the store's sessions (unless the connection string's Options set jit): every statement
        // here is short, and PostgreSQL's cost estimates for some exceed jit_above_cost - search by example's pending
        // set is estimated at nearly every row - so a 2 ms query spent ~200 ms compiling (EXPLAIN ANALYZE, 500,000
        // tracks; docs/benchmarks.md, "Vector search").
        if (builder.Options?.Contains("jit", StringComparison.Ordinal) != true)
            builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? "-c jit=off" : builder.Options + " -c jit=off";
        // Statements the store repeats (the writer's per-track upserts, above all) prepared on each connection once
        // they have run a few times, instead of parsed and planned on every execution: parsing and planning took a
        // quarter of the server's time at 15,000 observations a second, and the track phase of a write fell to
        // half (docs/benchmarks.md, "Store"). An operator's connection string that sets it (e.g. 0 behind a
        // pooler that cannot keep prepared statements) wins.
        if (!SetsAutoPrepare(options.ConnectionString ?? string.Empty))
            builder.MaxAutoPrepare = AutoPreparedStatements;
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        // pgvector's types (halfvec for embeddings) as Pgvector.HalfVector; the extension comes with migration 0003.
        dataSource.UseVector();
        return dataSource.Build();
    }

    /// <summary>How many statements each connection keeps prepared unless the connection string says otherwise.</summary>
    public const int AutoPreparedStatements = 64;

    private static bool SetsAutoPrepare(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return given.ContainsKey("Max Auto Prepare") || given.ContainsKey("MaxAutoPrepare");
    }
}
