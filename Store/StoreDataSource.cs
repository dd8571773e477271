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
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        // pgvector's types (halfvec for embeddings) as Pgvector.HalfVector; the extension comes with migration 0003.
        dataSource.UseVector();
        return dataSource.Build();
    }
}
