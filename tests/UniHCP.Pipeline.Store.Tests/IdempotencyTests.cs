using Dapper;
using Npgsql;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

public sealed class IdempotencyTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Writing_the_same_batch_twice_leaves_one_copy_and_unchanged_track_sums()
    {
        var writer = new TrackUpdateWriter(_db.DataSource);
        var batch = SeedData.Updates();
        var first = await writer.WriteAsync(batch);
        var before = await SnapshotAsync();

        var second = await writer.WriteAsync(batch);

        Assert.Equal(SeedData.ObservationCount, first.NewObservations);
        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(0, second.NewObservations);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_replay_that_overlaps_stored_rows_adds_only_the_new_ones()
    {
        var writer = new TrackUpdateWriter(_db.DataSource);
        var all = SeedData.Updates();
        int half = all.Count / 2;
        await writer.WriteAsync(all.Take(half).ToList());

        // The consumer crashed before acknowledging, so the first half comes again with the rest.
        var replay = await writer.WriteAsync(all);

        Assert.True(replay.Replayed);
        Assert.Equal(SeedData.ObservationCount - all.Take(half).Sum(u => u.Observations.Count), replay.NewObservations);
        var expected = await ExpectedAsync(all);
        Assert.Equal(expected, await SnapshotAsync());
    }

    [Fact]
    public async Task A_writer_killed_mid_batch_leaves_nothing_and_the_replay_leaves_exactly_one_copy()
    {
        string application = "unihcp-kill-" + Guid.NewGuid().ToString("N")[..8];
        var builder = new NpgsqlConnectionStringBuilder(_db.ConnectionString) { ApplicationName = application };
        await using var victimSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var writer = new TrackUpdateWriter(victimSource);
        var batch = LargeBatch(frames: 4000, perFrame: 4, dimensions: 1536);

        var writing = Task.Run(() => writer.WriteAsync(batch));
        bool killed = await KillWhenCopyingAsync(application, writing);

        Assert.True(killed, "the writer finished before it could be killed; make the batch larger");
        await Assert.ThrowsAnyAsync<Exception>(() => writing);
        await using (var connection = await _db.DataSource.OpenConnectionAsync())
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("select count(*) from observations"));

        var replay = await new TrackUpdateWriter(_db.DataSource).WriteAsync(batch);

        Assert.Equal(16_000, replay.NewObservations);
        await using (var connection = await _db.DataSource.OpenConnectionAsync())
        {
            Assert.Equal(16_000, await connection.ExecuteScalarAsync<int>("select count(*) from observations"));
            Assert.Equal(4000, await connection.ExecuteScalarAsync<int>("select min(n) from tracks"));
            Assert.Equal(4000, await connection.ExecuteScalarAsync<int>("select min(embedding_n) from tracks"));
        }
    }

    // Terminates the writer's backend once its COPY is running, as a crash or a kill -9 of the process would.
    private async Task<bool> KillWhenCopyingAsync(string application, Task writing)
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        while (!writing.IsCompleted)
        {
            int terminated = await connection.ExecuteScalarAsync<int>(
                "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = @application and query ilike 'copy%' and state = 'active') k",
                new { application });
            if (terminated > 0)
                return true;
            await Task.Delay(5);
        }
        return false;
    }

    private static List<TrackUpdate> LargeBatch(int frames, int perFrame, int dimensions)
    {
        var random = new Random(7);
        var updates = new List<TrackUpdate>(frames);
        for (int f = 0; f < frames; f++)
        {
            var observations = new List<PersonObservation>();
            var tracks = new List<TrackState>();
            for (int d = 0; d < perFrame; d++)
            {
                var embedding = new float[dimensions];
                for (int i = 0; i < dimensions; i++)
                    embedding[i] = (float)random.NextDouble();
                var person = new PersonObservation(d, new BoundingBox(d * 50, 0, d * 50 + 40, 100), 0.8f, Embedding: embedding);
                observations.Add(person);
                tracks.Add(new TrackState(d + 1, TrackStatus.Confirmed, person.Box, d, null));
            }
            updates.Add(new TrackUpdate("cam-k", f, SeedData.T0.AddSeconds(f * 0.1), tracks, observations, "test"));
        }
        return updates;
    }

    private Task<string> SnapshotAsync() => SnapshotAsync(_db.DataSource);

    // Everything the writer maintains, as text: observation count, tracks' sums (rounded: batches sum
    // floats in a different order), thumbnails' frames.
    private static async Task<string> SnapshotAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var observations = await connection.ExecuteScalarAsync<long>("select count(*) from observations");
        var tracks = await connection.QueryAsync<string>(
            """
            select camera_id || '/' || track_id || ' n=' || n
                || ' attr=' || coalesce(array_to_string(array(select round(x::numeric, 3) from unnest(attr_sum) x), ','), '-')
                || ' emb0=' || coalesce((select round(e.embedding_sum[1]::numeric, 3)::text from track_embeddings e where e.camera_id = t.camera_id and e.track_id = t.track_id), '-')
                || ' embn=' || embedding_n || ' best=' || best_score
            from tracks t order by 1
            """);
        var thumbnails = await connection.QueryAsync<string>("select camera_id || '/' || track_id || ' ' || frame_seq from thumbnails order by 1");
        return $"{observations}\n{string.Join('\n', tracks)}\n{string.Join('\n', thumbnails)}";
    }

    // What the store holds after writing every update once, computed in a database of its own.
    private static async Task<string> ExpectedAsync(List<TrackUpdate> all)
    {
        var reference = new TestDatabase();
        await reference.InitializeAsync();
        try
        {
            await new TrackUpdateWriter(reference.DataSource).WriteAsync(all);
            return await SnapshotAsync(reference.DataSource);
        }
        finally
        {
            await reference.DisposeAsync();
        }
    }
}
