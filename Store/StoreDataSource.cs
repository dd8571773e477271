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
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        // pgvector's types (halfvec for embeddings) as Pgvector.HalfVector; the extension comes with migration 0003.
        dataSource.UseVector();
        return dataSource.Build();
    }
}
