using Dapper;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Store.Tests;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>Stages as separate processes over a real Kafka wire-protocol broker (librdkafka's mock cluster, on 127.0.0.1).</summary>
public sealed class KafkaStageTests(TestDatabase database) : IClassFixture<TestDatabase>, IDisposable
{
    private const int CamerasCount = 3;
    private const int FramesPerHalf = 150;
    private const int PersonsPerFrame = 4;
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);
    private readonly MockKafkaCluster _broker = new(brokers: 3);
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-stage-").FullName;

    public void Dispose()
    {
        _broker.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task The_store_process_killed_mid_stream_and_restarted_leaves_every_observation_exactly_once()
    {
        foreach (string topic in new[] { Topics.Tracks.Name, Topics.Identities.Name })
        {
            _broker.CreateTopic(topic, 4);
            _broker.CreateTopic(topic + ".dlq", 1);
        }
        string run = Guid.NewGuid().ToString("N");
        await using var transport = new KafkaTransport(new KafkaTransportOptions { BootstrapServers = _broker.BootstrapServers, RunId = run });
        var updates = transport.CreatePublisher(Topics.Tracks);
        var identities = transport.CreatePublisher(Topics.Identities);
        await PublishAsync(updates, 0, FramesPerHalf);

        using (var first = StartStore(run))
        {
            await first.WaitUntilAsync(async () => await StoredAsync() > 0);
            first.Kill(); // SIGKILL: no shutdown, offsets of the last writes not committed
        }
        long afterCrash = await StoredAsync();
        await PublishAsync(updates, FramesPerHalf, 2 * FramesPerHalf);
        updates.Complete();
        identities.Complete();

        using var second = StartStore(run);
        Assert.True(await second.ExitsWithinAsync(TimeSpan.FromMinutes(2)), "the restarted store finishes the completed topics: " + second.Log);
        Assert.True(second.ExitCode == 0, second.Log);

        long expected = (long)CamerasCount * 2 * FramesPerHalf * PersonsPerFrame;
        Assert.True(afterCrash < expected, "the first process was killed before it had everything");
        await using var connection = await database.DataSource.OpenConnectionAsync();
        Assert.Equal(expected, await StoredAsync());
        Assert.Equal(expected, await connection.ExecuteScalarAsync<long>("select count(distinct (camera_id, frame_seq, det_index)) from observations"));
        // Replayed batches must not count twice in the tracks' running sums either.
        Assert.Equal(expected, await connection.ExecuteScalarAsync<long>("select sum(n) from tracks"));
    }

    private async Task PublishAsync(ITopicPublisher<TrackUpdate> publisher, int from, int to)
    {
        for (int frame = from; frame < to; frame++)
        {
            for (int c = 0; c < CamerasCount; c++)
            {
                var persons = Enumerable.Range(0, PersonsPerFrame)
                    .Select(i => new PersonObservation(i, new BoundingBox(10 * i, 10, (10 * i) + 8, 40), 0.9f, Attributes: [new AttributeProbability("Female", 0.7f)]))
                    .ToList();
                var tracks = persons.Select(p => new TrackState(p.DetectionIndex + 1, TrackStatus.Confirmed, p.Box, p.DetectionIndex, null)).ToList();
                await publisher.PublishAsync(new TrackUpdate($"cam-{c}", frame, Start.AddSeconds(frame / 10.0), tracks, persons, "test-1"), OverflowPolicy.Wait, CancellationToken.None);
            }
        }
    }

    private StageProcess StartStore(string run)
    {
        string config = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(config, $$"""{ "Store": { "ConnectionString": "{{database.ConnectionString}}" } }""");
        return StageProcess.Start("store", "stage", "store", "--bootstrap", _broker.BootstrapServers, "--run-id", run, "--config", config);
    }

    private async Task<long> StoredAsync()
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("select count(*) from observations");
    }
}
