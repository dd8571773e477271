using System.Net.Http.Headers;
using Npgsql;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Perception;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Store.Tests;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Api.Tests;

/// <summary>
/// The API on a real Kestrel socket (127.0.0.1, a free port) over a seeded real database, with a
/// real (tiny, randomly initialised) UniHCP model embedding uploaded images. Two extra tracks,
/// cam-x/1 and cam-x/2, carry the embeddings of <see cref="RedPerson"/> and <see cref="BluePerson"/>.
/// </summary>
public sealed class ApiServer : IAsyncLifetime
{
    public const string Key = "test-key-0123456789abcdef";

    private readonly SeededDatabase _db = new();
    private PerceptionEngine? _engine;
    private ExampleEmbedder? _embedder;

    public ApiHost Host { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public NpgsqlDataSource DataSource => _db.DataSource;
    public static byte[] RedPerson { get; } = Picture(200, 40, 40, seed: 1);
    public static byte[] BluePerson { get; } = Picture(30, 60, 210, seed: 2);

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.manual_seed(11);
        var model = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard);
        _engine = new PerceptionEngineBuilder().WithModel(model, WeightsMetadata.For("api-test", model.Config, model.Tasks))
            .WithOptions(new PerceptionOptions { Tasks = ["reid"] }).Build();
        _embedder = new ExampleEmbedder(_engine);
        await StoreExamplesAsync(_embedder);
        Host = ApiHost.Create(new ApiOptions { Urls = "http://127.0.0.1:0", ApiKeys = [Key], MaxUploadBytes = 256 * 1024 }, _db.DataSource, _embedder);
        await Host.StartAsync();
        BaseAddress = new Uri(Host.Addresses[0]);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _embedder?.Dispose();
        _engine?.Dispose();
        await _db.DisposeAsync();
    }

    public HttpClient Client(string? key = Key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (key is not null)
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    private async Task StoreExamplesAsync(IPersonEmbedder embedder)
    {
        var updates = new List<TrackUpdate>();
        long track = 1;
        foreach (var picture in new[] { RedPerson, BluePerson })
        {
            var embedding = await embedder.EmbedAsync(picture);
            var person = new PersonObservation(0, new BoundingBox(0, 0, 64, 128), 0.9f, Embedding: embedding, Thumbnail: picture);
            updates.Add(new TrackUpdate("cam-x", track, SeedData.T0.AddSeconds(500 + track), [new TrackState(track, TrackStatus.Confirmed, person.Box, 0, null)], [person], "api-test"));
            track++;
        }
        await new TrackUpdateWriter(_db.DataSource).WriteAsync(updates);
    }

    /// <summary>A 64x128 JPEG of a coloured figure on a noisy background.</summary>
    private static byte[] Picture(byte r, byte g, byte b, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[64 * 128 * 3];
        for (int y = 0; y < 128; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                bool body = x is > 16 and < 48 && y is > 10 and < 120;
                int i = 3 * ((y * 64) + x);
                pixels[i] = body ? r : (byte)random.Next(100, 160);
                pixels[i + 1] = body ? g : (byte)random.Next(100, 160);
                pixels[i + 2] = body ? b : (byte)random.Next(100, 160);
            }
        }
        return ImageCodec.EncodeJpeg(new RgbImage(64, 128, pixels), 90);
    }
}
