using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Hosting;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Ingest.Configuration;
using UniHCP.Pipeline.Store.Tests;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>The embedded pipeline (every stage on one host) under interruption and a weights swap, on the sample video and a real PostgreSQL.</summary>
public sealed class EmbeddedPipelineTests(TestDatabase database) : IClassFixture<TestDatabase>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-pipeline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task An_interrupt_mid_run_stores_everything_published_before_it_exactly_once()
    {
        string cut = Path.Combine(_dir, "long.avi");
        await Clips.SampleCutAsync(cut, frames: 80);
        using var host = Host("hall", cut);
        await host.StartAsync();
        var run = RunView.Of(host);

        await WhenAsync(() => run.Inference.Counters!.Analysed >= 4);
        run.Monitor.StopSources(); // what Ctrl+C does
        await run.Monitor.AllEnded.WaitAsync(Patience);
        await host.StopAsync();
        var result = run.Result();

        Assert.Null(result.Failure);
        Assert.True(result.FramesDecoded < 80, $"the interrupt stopped ingest early ({result.FramesDecoded} frames)");
        Assert.Equal(result.FramesDecoded, result.FramesAnalysed); // every frame published was analysed...
        await using var connection = await database.DataSource.OpenConnectionAsync();
        // Detected persons only: a finished track's lost spell is also filled with rows flagged interpolated (how many
        // depends on where the interrupt fell), which are no person the model found.
        long stored = await connection.ExecuteScalarAsync<long>("select count(*) from observations where camera_id = 'hall' and not interpolated");
        Assert.True(stored > 0);
        Assert.Equal(result.Persons, stored); // ...and every person found is in the database
        Assert.Equal(stored, await connection.ExecuteScalarAsync<long>("select count(distinct (frame_seq, det_index)) from observations where camera_id = 'hall' and not interpolated"));
        Assert.Equal(result.FramesDecoded - 1, await connection.ExecuteScalarAsync<long>("select max(frame_seq) from observations where camera_id = 'hall' and not interpolated"));
    }

    [Fact]
    public async Task A_weights_swap_during_a_run_loses_no_frame_and_later_observations_carry_the_new_version()
    {
        const int frames = 24;
        string cut = Path.Combine(_dir, "short.avi");
        await Clips.SampleCutAsync(cut, frames: frames);
        // Built before the run: loading weights takes long enough that a swap built mid-run could come after the
        // clip's last frame on a loaded machine.
        var swapped = SwappedEngine("swapped-version");
        using var host = Host("gate", cut, httpPort: 0);
        await host.StartAsync();
        var run = RunView.Of(host);

        await WhenAsync(() => run.Inference.Counters!.Analysed >= 4);
        // The embedded run serves the same endpoints as a stage process, with every stage's metrics.
        string address = Assert.Single(PipelineHost.HttpAddresses(host));
        using (var http = new HttpClient())
        {
            string metrics = await http.GetStringAsync(address + "/metrics");
            foreach (string name in new[] { "unihcp_ingest_frames", "unihcp_inference_frames", "unihcp_inference_person_height_median", "unihcp_tracking_updates", "unihcp_tracking_identities", "unihcp_store_observations", "unihcp_queue_depth", "unihcp_transport_published" })
                Assert.True(metrics.Contains(name, StringComparison.Ordinal), $"/metrics has {name}:\n{metrics}");
            using var health = await http.GetAsync(address + "/healthz");
            string report = await health.Content.ReadAsStringAsync();
            Assert.True(health.IsSuccessStatusCode, report);
            Assert.Contains("\"store\"", report, StringComparison.Ordinal);
        }
        run.Inference.Stage!.SwapEngine(swapped);
        await run.Monitor.AllEnded.WaitAsync(Patience);
        await host.StopAsync();
        var result = run.Result();

        Assert.Null(result.Failure);
        Assert.Equal(frames, result.FramesDecoded);
        Assert.True(result.FramesAnalysed == frames, $"{result.FramesAnalysed} of {frames} frames analysed, {result.FramesRejected} rejected, {result.FramesSkipped} skipped; model {result.ModelVersion}");
        await using var connection = await database.DataSource.OpenConnectionAsync();
        var versions = (await connection.QueryAsync<(string Version, long First, long Last)>(
            "select model_version, min(frame_seq), max(frame_seq) from observations where camera_id = 'gate' group by model_version order by 2")).ToList();
        Assert.Equal(2, versions.Count);
        Assert.Equal("swapped-version", versions[1].Version);
        Assert.True(versions[0].Last < versions[1].First, "every frame after the swap is analysed by the new weights");
        Assert.Equal(frames - 1, versions[1].Last);
        Assert.Equal(frames, await connection.ExecuteScalarAsync<long>("select count(distinct frame_seq) from observations where camera_id = 'gate'"));
    }

    /// <summary>Every stage in one host, the committed default model detection only (the crop tasks would only add time
    /// here), at a threshold low enough to report persons in every frame whatever its calibration: these tests check the
    /// plumbing, not the model (its quality is in docs/default-model.md).</summary>
    private IHost Host(string camera, string source, int? httpPort = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:HttpPort"] = httpPort?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Store:ConnectionString"] = database.ConnectionString,
            ["Inference:Tasks"] = "none",
            ["Inference:Threshold"] = "0.1",
            ["Inference:BatchFrames"] = "2",
        }).Build();
        return PipelineHost.Build(configuration, services => services.AddAllStages([new CameraOptions { Id = camera, Source = source }]));
    }

    private static PerceptionEngine SwappedEngine(string version)
    {
        var (model, metadata) = WeightsFile.Load(DefaultWeights.Resolve(null));
        return new PerceptionEngineBuilder().WithModel(model, metadata with { Version = version })
            .WithOptions(new PerceptionOptions { Tasks = [], DetectionThreshold = 0.1f }).Build();
    }

    private static async Task WhenAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the pipeline made no progress");
            await Task.Delay(20);
        }
    }
}
