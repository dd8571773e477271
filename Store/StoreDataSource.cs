using Npgsql;

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
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }
}
