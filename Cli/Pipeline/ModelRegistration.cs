using Npgsql;
using UniHCP.Pipeline.Inference.Checkpoints;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>Registers what a training run exported in the store's model registry (model_versions).</summary>
internal static class ModelRegistration
{
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
        await Hosting.WeightsRegistration.RegisterAsync(store, metadata, weightsPath, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"model registry: registered {metadata.Version} ({weightsPath})");
    }
}
