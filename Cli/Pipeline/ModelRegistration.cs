using System.Text.Json;
using Npgsql;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>Puts a weights version in the store's model registry (model_versions): what the dashboard's model list shows.</summary>
internal static class ModelRegistration
{
    public static Task RegisterAsync(NpgsqlDataSource store, WeightsMetadata metadata, string? path, CancellationToken cancellationToken) =>
        new ModelRegistry(store).RegisterAsync(metadata.Version, JsonSerializer.Serialize(metadata.Config), JsonSerializer.Serialize(metadata.Tasks),
            JsonSerializer.Serialize(metadata.Provenance), path, cancellationToken);

    /// <summary>
    /// After a training run: registers the exported weights when the configuration names a store. A missing or
    /// unreachable store is reported and does not fail the run (the weights file is the product; registration can be
    /// repeated by a run of the pipeline with those weights).
    /// </summary>
    public static async Task AfterTrainingAsync(FileInfo? configFile, string weightsPath, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var configuration = Configuration.ConfigurationLoader.Load(configFile, []);
        Store.StoreOptions options;
        try
        {
            options = StoreConnection.Options(configuration);
        }
        catch (ArgumentException ex)
        {
            output.WriteLine($"model registry: the weights were not registered: {ex.Message}");
            return;
        }
        await using var store = await StoreConnection.TryOpenAsync(options, error, cancellationToken).ConfigureAwait(false);
        if (store is null)
        {
            error.WriteLine("model registry: the weights were written but not registered (see above)");
            return;
        }
        var metadata = WeightsFile.ReadMetadata(weightsPath);
        await RegisterAsync(store, metadata, weightsPath, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"model registry: registered {metadata.Version} ({weightsPath})");
    }
}
