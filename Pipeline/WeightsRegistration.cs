using System.Text.Json;
using Npgsql;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Hosting;

/// <summary>Puts a weights version in the store's model registry (model_versions): what the dashboard's model list
/// shows. The pipeline registers what it runs, training what it exports.</summary>
public static class WeightsRegistration
{
    public static Task RegisterAsync(NpgsqlDataSource store, WeightsMetadata metadata, string? path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(metadata);
        return new ModelRegistry(store).RegisterAsync(metadata.Version, JsonSerializer.Serialize(metadata.Config), JsonSerializer.Serialize(metadata.Tasks),
            JsonSerializer.Serialize(metadata.Provenance), path, cancellationToken);
    }
}
