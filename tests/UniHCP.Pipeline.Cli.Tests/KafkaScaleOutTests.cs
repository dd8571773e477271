using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Store.Tests;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>
/// The scale-out deployment: every stage its own `unihcp stage` process over a real Kafka wire-protocol broker
/// (librdkafka's mock cluster on 127.0.0.1, owned by the test).
/// </summary>
public sealed class KafkaScaleOutTests(TestDatabase database) : IClassFixture<TestDatabase>, IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private readonly MockKafkaCluster _broker = new(brokers: 3);
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-scale-").FullName;

    public void Dispose()
    {
        _broker.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Two_inference_processes_share_the_cameras_and_the_survivor_takes_over_when_one_dies()
    {
        const int cameras = 12, half = 30;
        CreateTopics(4, Topics.Frames.Name, Topics.Persons.Name);
        string run = Guid.NewGuid().ToString("N");
        string config = WriteConfig("""{ "Kafka": { "SessionTimeoutMs": 3000 } }""");
        string[] Infer(string weights) => ["stage", "infer", "--bootstrap", _broker.BootstrapServers, "--run-id", run, "--weights", weights, "--config", config];

        await using var transport = new KafkaTransport(new KafkaTransportOptions { BootstrapServers = _broker.BootstrapServers, RunId = run, EndLingerMs = 0 });
        var frames = transport.CreatePublisher(Topics.Frames);
        // The two processes load copies of one model under different versions: each observation tells who analysed it.
        using var survivor = StageProcess.Start("inference A", Infer(TinyWeights("tiny-a")));
        using var victim = StageProcess.Start("inference B", Infer(TinyWeights("tiny-b")));
        // Every analysis, repeats included: frames the dead process analysed but had not committed are analysed again.
        var analysed = new ConcurrentQueue<((string Camera, long Frame) Key, string Value)>();
        var observer = transport.Subscribe(Topics.Persons, "test-observer");
        var observing = Task.Run(async () =>
        {
            await foreach (var delivery in observer.ReadAllAsync(CancellationToken.None))
            {
                if (delivery.Event is { } persons)
                    analysed.Enqueue(((persons.CameraId, persons.FrameSequence), persons.ModelVersion));
                observer.Acknowledge(delivery);
            }
        });

        await PublishFramesAsync(frames, cameras, 0, half);
        await WhenAsync(() => analysed.Select(a => a.Value).Distinct().Count() == 2, survivor, victim);
        victim.Kill();
        await PublishFramesAsync(frames, cameras, half, 2 * half);
        frames.Complete();

        Assert.True(await survivor.ExitsWithinAsync(TimeSpan.FromMinutes(3)), "the survivor finishes every partition: " + survivor.Log);
        Assert.True(survivor.ExitCode == 0, survivor.Log);
        Assert.True(await Task.WhenAny(observing, Task.Delay(TimeSpan.FromMinutes(1))) == observing, "the survivor completed the persons topic");
        await observing;
        var missing = Enumerable.Range(0, cameras).SelectMany(c => Enumerable.Range(0, 2 * half).Select(f => ($"cam-{c}", (long)f)))
            .Except(analysed.Select(a => a.Key)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} frames never analysed, e.g. {string.Join(", ", missing.Take(5))}\n{survivor.Log}");
        // The survivor analysed frames of cameras that the dead process had been serving.
        var victimCameras = analysed.Where(a => a.Value == "tiny-b").Select(a => a.Key.Camera).ToHashSet();
        string Summary() => string.Join("; ", analysed.GroupBy(a => a.Key.Camera).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: " + string.Join(" ", g.GroupBy(a => (a.Value, a.Key.Frame >= half)).Select(v => $"{v.Key.Value}{(v.Key.Item2 ? "(2nd half)" : "")} x{v.Count()}"))));
        Assert.True(analysed.Any(a => victimCameras.Contains(a.Key.Camera) && a.Value == "tiny-a" && a.Key.Frame >= half), Summary());
    }

    [Fact]
    public async Task The_stages_as_separate_processes_with_two_trackers_store_what_the_in_process_run_stores()
    {
        string cut = Path.Combine(_dir, "cut.avi");
        await Clips.SampleCutAsync(cut, frames: 20);
        CreateTopics(2, Topics.Frames.Name, Topics.Persons.Name, Topics.Tracks.Name, Topics.Identities.Name);
        string run = Guid.NewGuid().ToString("N");
        // Default model, threshold and tracker: only the store, the broker's timing and the person tasks are the test's
        // own. Detection only: cross-camera identities depend on the order in which the two cameras' tracks reach the
        // identities stage, which two tracker processes do not fix, so the stores would differ by timing, not by a fault.
        string config = WriteConfig($$"""
            {
              "Store": { "ConnectionString": "{{database.ConnectionString}}" },
              "Kafka": { "SessionTimeoutMs": 3000 },
              "Inference": { "Tasks": "none" }
            }
            """);
        string[] Stage(string name, params string[] more) => ["stage", name, "--bootstrap", _broker.BootstrapServers, "--run-id", run, "--config", config, "--http-port", "0", .. more];

        // Every consumer stage its own process, two per-camera trackers sharing the persons topic's two partitions.
        using var store = StageProcess.Start("store", Stage("store"));
        using var identities = StageProcess.Start("identities", Stage("identities"));
        using var trackA = StageProcess.Start("track A", Stage("track"));
        using var trackB = StageProcess.Start("track B", Stage("track"));
        using var infer = StageProcess.Start("infer", Stage("infer"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var (process, metric) in new[] { (store, "unihcp_store_observations"), (identities, "unihcp_tracking_identities"), (trackA, "unihcp_tracking_updates"),
            (trackB, "unihcp_tracking_updates"), (infer, "unihcp_inference_frames") })
        {
            string address = await HttpAddressAsync(process);
            await WhenReadyAsync(http, address, process);
            string metrics = await http.GetStringAsync(address + "/metrics");
            Assert.True(metrics.Contains(metric, StringComparison.Ordinal), $"{process.Name}'s /metrics has {metric}:\n{metrics}");
        }
        // Raw frames (the same pixels as in process), at most two waiting per partition: the mock broker keeps 5 MB per
        // partition. "east" and "west" hash to different partitions of two (Kafka's murmur2), so each tracker gets one.
        using var ingest = StageProcess.Start("ingest", Stage("ingest", "-s", $"east={cut}", "-s", $"west={cut}", "--jpeg-quality", "0", "--max-lag", "2"));
        foreach (var stage in new[] { ingest, infer, trackA, trackB, identities, store })
        {
            Assert.True(await stage.ExitsWithinAsync(TimeSpan.FromMinutes(5)), $"{stage.Name} did not finish: {stage.Log}");
            Assert.True(stage.ExitCode == 0, $"{stage.Name}: {stage.Log}");
        }
        Assert.Contains("analysed 40 frames", infer.Log, StringComparison.Ordinal);
        Assert.True(Number(trackA.Log, @"(\d+) frames tracked") > 0 && Number(trackB.Log, @"(\d+) frames tracked") > 0,
            $"both trackers tracked a camera:\n{trackA.Log}\n{trackB.Log}");

        var (code, output, error) = await CliRunner.RunAsync("run", "-s", $"door={cut}", "-s", $"hall={cut}", "--config", config);

        Assert.True(code == 0, output + error);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        foreach (var (overKafka, inProcess) in new[] { ("east", "door"), ("west", "hall") })
        {
            var observations = await KeysAsync(connection, "select frame_seq || '/' || det_index || '/' || coalesce(track_id, 0) from observations where camera_id = @camera", overKafka, inProcess);
            Assert.NotEmpty(observations.Kafka);
            Assert.Equal(observations.InProcess, observations.Kafka);
            var tracks = await KeysAsync(connection, "select track_id || '/' || n || '/' || coalesce(identity_id, 0) from tracks where camera_id = @camera", overKafka, inProcess);
            Assert.NotEmpty(tracks.Kafka);
            Assert.Equal(tracks.InProcess, tracks.Kafka);
            var identityEvents = await KeysAsync(connection, "select track_id || '/' || kind from identity_events where camera_id = @camera", overKafka, inProcess);
            Assert.Equal(identityEvents.InProcess, identityEvents.Kafka);
        }
        Assert.Equal(Number(output, @"observations (\d+) stored"), await connection.ExecuteScalarAsync<long>("select count(*) from observations where camera_id in ('east', 'west') and not interpolated"));
    }

    [Fact]
    public async Task An_ingest_process_answers_healthz_and_metrics_while_its_camera_reconnects()
    {
        CreateTopics(1, Topics.Frames.Name);
        // Nothing listens on the discard port: the live camera fails to connect, and keeps reconnecting until stopped.
        using var ingest = StageProcess.Start("ingest", "stage", "ingest", "--bootstrap", _broker.BootstrapServers, "--http-port", "0",
            "-s", "door=rtsp://127.0.0.1:9/live");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string address = await HttpAddressAsync(ingest);
        await WhenReadyAsync(http, address, ingest);

        var deadline = DateTime.UtcNow.AddMinutes(2);
        string metrics;
        while (!(metrics = await http.GetStringAsync(address + "/metrics")).Contains("unihcp_ingest_disconnects", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no ingest metrics:\n{metrics}\n{ingest.Log}");
            await Task.Delay(200);
        }
        Assert.Contains("camera=\"door\"", metrics, StringComparison.Ordinal);
    }

    private static async Task<(List<string> Kafka, List<string> InProcess)> KeysAsync(Npgsql.NpgsqlConnection connection, string sql, string kafkaCamera, string inProcessCamera)
    {
        var kafka = (await connection.QueryAsync<string>(sql, new { camera = kafkaCamera })).Order(StringComparer.Ordinal).ToList();
        var inProcess = (await connection.QueryAsync<string>(sql, new { camera = inProcessCamera })).Order(StringComparer.Ordinal).ToList();
        return (kafka, inProcess);
    }

    /// <summary>The address a stage process serves /metrics and /healthz at (it prints it once started).</summary>
    private static async Task<string> HttpAddressAsync(StageProcess process)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var match = Regex.Match(process.Log, @"http: (http://[^ ]+)/metrics");
            if (match.Success)
                return match.Groups[1].Value;
            Assert.False(process.HasExited, $"{process.Name} exited early: {process.Log}");
            Assert.True(DateTime.UtcNow < deadline, $"{process.Name} printed no HTTP address: {process.Log}");
            await Task.Delay(50);
        }
    }

    /// <summary>Polls /healthz until it answers 200 (the stage runs with partitions assigned and its dependencies answer).</summary>
    private static async Task WhenReadyAsync(HttpClient http, string address, StageProcess process)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        string last = "";
        while (true)
        {
            using var response = await http.GetAsync(address + "/healthz");
            last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            if (response.IsSuccessStatusCode)
            {
                Assert.Contains("\"Healthy\"", last, StringComparison.Ordinal);
                return;
            }
            Assert.False(process.HasExited, $"{process.Name} exited early: {process.Log}");
            Assert.True(DateTime.UtcNow < deadline, $"{process.Name} never became ready (last /healthz {last}): {process.Log}");
            await Task.Delay(100);
        }
    }

    private void CreateTopics(int partitions, params string[] topics)
    {
        foreach (string topic in topics)
        {
            _broker.CreateTopic(topic, partitions);
            _broker.CreateTopic(topic + ".dlq", 1);
        }
    }

    private string WriteConfig(string json)
    {
        string path = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>A tiny random model that looks at 64-pixel frames: the test is about who analyses which frame, not what is in it.</summary>
    private string TinyWeights(string version)
    {
        string path = Path.Combine(_dir, version + ".safetensors");
        var tasks = new TaskRegistry([TaskRegistry.Detection(contentQueries: 1, anchors: 10)]);
        TorchSharp.torch.manual_seed(5);
        using var model = new UniHcpModel(ModelConfig.Tiny, tasks);
        WeightsFile.Save(path, model, WeightsMetadata.For(version, ModelConfig.Tiny, tasks, new Dictionary<string, string> { [InferenceHints.ShortSideKey] = "64" }));
        return path;
    }

    private static async Task PublishFramesAsync(ITopicPublisher<VideoFrame> publisher, int cameras, int from, int to)
    {
        const int width = 64, height = 48;
        for (int frame = from; frame < to; frame++)
        {
            for (int c = 0; c < cameras; c++)
            {
                var pixels = new byte[width * height * 3];
                Array.Fill(pixels, (byte)((frame * 7) + c));
                await publisher.PublishAsync(new VideoFrame($"cam-{c}", frame, Start.AddSeconds(frame / 10.0), TimeSpan.FromSeconds(frame / 10.0), width, height, PixelFormat.Rgb24, pixels),
                    OverflowPolicy.Wait, CancellationToken.None);
            }
        }
    }

    private static async Task WhenAsync(Func<bool> condition, params StageProcess[] processes)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!condition())
        {
            foreach (var process in processes)
                Assert.False(process.HasExited, $"{process.Name} exited early: {process.Log}");
            Assert.True(DateTime.UtcNow < deadline, "timed out: " + string.Join("\n", processes.Select(p => $"{p.Name}: {p.Log}")));
            await Task.Delay(20);
        }
    }

    private static long Number(string output, string pattern)
    {
        var match = Regex.Match(output, pattern);
        Assert.True(match.Success, $"'{pattern}' in:\n{output}");
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
