using Dapper;
using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Store.Tests;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>Training registers what it exports in the store's model registry; a store it cannot reach costs the run nothing.</summary>
public sealed class ModelRegistrationTests(TestDatabase database) : IClassFixture<TestDatabase>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-registry-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Exported_weights_are_registered_with_their_path_and_an_unreachable_store_is_reported()
    {
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.manual_seed(2);
        string weights = Path.Combine(_dir, "trained.safetensors");
        using (var model = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard))
            WeightsFile.Save(weights, model, WeightsMetadata.For("registry-test-1", ModelConfig.Tiny, TaskRegistry.Standard));
        var output = new StringWriter();
        var error = new StringWriter();

        await ModelRegistration.AfterTrainingAsync(Config("good.json", database.ConnectionString), weights, output, error, CancellationToken.None);

        Assert.Contains("model registry: registered registry-test-1", output.ToString(), StringComparison.Ordinal);
        await using (var connection = await database.DataSource.OpenConnectionAsync())
            Assert.Equal(weights, await connection.ExecuteScalarAsync<string>("select path from model_versions where version = 'registry-test-1'"));

        var unreachableOutput = new StringWriter();
        var unreachable = new StringWriter();
        await ModelRegistration.AfterTrainingAsync(Config("bad.json", "Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=2"), weights, unreachableOutput, unreachable, CancellationToken.None);
        Assert.Contains("the weights were written but not registered", unreachable.ToString(), StringComparison.Ordinal);
    }

    private FileInfo Config(string name, string connectionString)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, $$"""{ "Store": { "ConnectionString": "{{connectionString}}" } }""");
        return new FileInfo(path);
    }
}
