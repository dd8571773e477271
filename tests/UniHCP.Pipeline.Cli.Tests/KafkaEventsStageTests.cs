using Dapper;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Store.Tests;
using UniHCP.Pipeline.Tracking.Zones;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>The events stage as its own process over a real Kafka wire-protocol broker (librdkafka's mock cluster).</summary>
public sealed class KafkaEventsStageTests(TestDatabase database) : IClassFixture<TestDatabase>, IDisposable
{
    private const int Cameras = 2;
    private const int Frames = 600;
    private const int Walkers = 3;
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);
    private readonly MockKafkaCluster _broker = new(brokers: 3);
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-events-").FullName;

    public void Dispose()
    {
        _broker.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static CameraGeometry Geometry() => new()
    {
        FrameWidth = 640,
        FrameHeight = 480,
        Lines = [new LineGeometry { Name = "door", From = new PixelPoint(300, 50), To = new PixelPoint(300, 450), InSide = LineSide.Left }],
        Zones = [new ZoneGeometry { Name = "desk", Points = [new(350, 100), new(550, 100), new(550, 400), new(350, 400)], DwellThreshold = TimeSpan.FromSeconds(3), OccupancyLimit = 1 }],
    };

    [Fact]
    public async Task The_events_process_killed_mid_stream_and_restarted_stores_every_event_exactly_once()
    {
        foreach (string topic in new[] { Topics.Tracks.Name, Topics.Events.Name })
        {
            _broker.CreateTopic(topic, 4);
            _broker.CreateTopic(topic + ".dlq", 1);
        }
        var updates = Enumerable.Range(0, Frames).SelectMany(f => Enumerable.Range(0, Cameras).Select(c => Update($"cam-{c}", f))).ToList();
        // The oracle: the detector run straight through, with the version the store gives a first definition.
        var geometry = Geometry();
        geometry.Version = 1;
        var expected = Enumerable.Range(0, Cameras).SelectMany(c =>
        {
            var detector = new ZoneEventDetector($"cam-{c}", geometry, 3, 6);
            return updates.Where(u => u.CameraId == $"cam-{c}").SelectMany(detector.Apply).ToList();
        }).Select(Key).Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.Count > 100, $"the walkers make events ({expected.Count})");

        string run = Guid.NewGuid().ToString("N");
        await using var transport = new KafkaTransport(new KafkaTransportOptions { BootstrapServers = _broker.BootstrapServers, RunId = run });
        var publisher = transport.CreatePublisher(Topics.Tracks);
        int half = updates.Count / 2;
        foreach (var update in updates.Take(half))
            await publisher.PublishAsync(update, OverflowPolicy.Wait, CancellationToken.None);

        using (var first = StartEvents(run))
        {
            await first.WaitUntilAsync(async () => await StoredAsync() >= expected.Count / 4);
            first.Kill(); // SIGKILL: events since its last checkpoint are not committed, its input offsets neither
        }
        long afterCrash = await StoredAsync();
        foreach (var update in updates.Skip(half))
            await publisher.PublishAsync(update, OverflowPolicy.Wait, CancellationToken.None);
        publisher.Complete();

        using var second = StartEvents(run);
        Assert.True(await second.ExitsWithinAsync(TimeSpan.FromMinutes(2)), "the restarted stage finishes the completed topic: " + second.Log);
        Assert.True(second.ExitCode == 0, second.Log);
        Assert.Contains("resumes from its checkpoint", second.Log, StringComparison.Ordinal);

        Assert.True(afterCrash < expected.Count, "the first process was killed before it had everything");
        await using var connection = await database.DataSource.OpenConnectionAsync();
        var stored = (await connection.QueryAsync<(string Camera, string Geometry, int Version, short Kind, long Track, long Frame)>(
            "select camera_id, geometry, geometry_version, kind, track_id, frame_seq from zone_events")).Select(r => Key(r.Camera, r.Geometry, r.Version, (ZoneEventKind)r.Kind, r.Track, r.Frame))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, stored);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("select count(*) from camera_geometry where camera_id = 'cam-0'"));
    }

    // Walkers go back and forth across the door and through the desk zone, each pass a new track; every 100 frames
    // the tracks end and new ones begin.
    private static TrackUpdate Update(string camera, int frame)
    {
        int generation = frame / 100;
        var tracks = new List<TrackState>();
        for (int w = 0; w < Walkers; w++)
        {
            long id = 1 + (generation * Walkers) + w;
            int local = frame % 100;
            double phase = ((local * (3 + w)) % 200) / 200.0;
            double x = 150 + (350 * (phase < 0.5 ? phase * 2 : 2 - (phase * 2)));
            double y = 150 + (w * 80);
            var box = new BoundingBox((float)x - 15, (float)y - 60, (float)x + 15, (float)y);
            tracks.Add(local == 99 ? new TrackState(id, TrackStatus.Removed, box, null, null) : new TrackState(id, TrackStatus.Confirmed, box, w, id));
        }
        return new TrackUpdate(camera, frame, Start.AddSeconds(frame / 10.0), tracks, [], "test-1");
    }

    private static string Key(ZoneEvent e) => Key(e.CameraId, e.Geometry, e.GeometryVersion, e.Kind, e.TrackId, e.FrameSequence);

    private static string Key(string camera, string geometry, int version, ZoneEventKind kind, long track, long frame) =>
        $"{camera}/{geometry}/{version}/{kind}/{track}/{frame}";

    private StageProcess StartEvents(string run)
    {
        string config = Path.Combine(_dir, "appsettings.json");
        var cameras = string.Join(",", Enumerable.Range(0, Cameras).Select(c => $"\"cam-{c}\": {System.Text.Json.JsonSerializer.Serialize(Geometry())}"));
        File.WriteAllText(config, $$"""
            { "Store": { "ConnectionString": "{{database.ConnectionString}}" },
              "Events": { "CheckpointEvery": "00:00:02", "Cameras": { {{cameras}} } } }
            """);
        return StageProcess.Start("events", "stage", "events", "--bootstrap", _broker.BootstrapServers, "--run-id", run, "--config", config);
    }

    private async Task<long> StoredAsync()
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("select count(*) from zone_events");
    }
}
