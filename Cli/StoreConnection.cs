using Microsoft.Extensions.Configuration;
using Npgsql;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Store;

namespace UniHCP.Pipeline.Cli;

/// <summary>Opens the store the configuration names (Store section, or ConnectionStrings:Store) and migrates it when configured to.</summary>
internal static class StoreConnection
{
    public static StoreOptions Options(IConfiguration configuration)
    {
        var options = ConfigurationLoader.Bind<StoreOptions>(configuration, StoreOptions.SectionName);
        options.ConnectionString ??= configuration.GetConnectionString("Store");
        options.Validate();
        return options;
    }

    /// <summary>The data source, after applying pending migrations unless Store:MigrateOnStart is false.</summary>
    public static async Task<NpgsqlDataSource> OpenAsync(StoreOptions options, CancellationToken cancellationToken)
    {
        var dataSource = StoreDataSource.Create(options);
        try
        {
            if (options.MigrateOnStart)
                await SchemaMigrator.MigrateAsync(dataSource, cancellationToken).ConfigureAwait(false);
            return dataSource;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The data source, or null after writing why the database cannot be used to <paramref name="error"/>.</summary>
    public static async Task<NpgsqlDataSource?> TryOpenAsync(StoreOptions options, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            return await OpenAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            error.WriteLine("error: " + Describe(ex, options));
            return null;
        }
    }

    /// <summary>A one-line reason for a failure to reach the database.</summary>
    public static string Describe(NpgsqlException ex, StoreOptions options)
    {
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        return $"cannot use the store at {builder.Host}:{builder.Port}/{builder.Database}: {ex.Message} (is PostgreSQL running? infra/setup.sh starts the local one)";
    }
}
