using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Stage;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

public sealed class EmbeddingIndexerTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task The_stages_indexer_runs_beside_two_writers_and_leaves_every_track_indexed_with_its_latest_unit_when_they_end()
    {
        var stage = new StoreStage(_db.DataSource, NullLogger<StoreStage>.Instance);
        var writers = Enumerable.Range(0, 2).Select(_ => new TrackUpdateWriter(_db.DataSource)).ToList();
        var writing = Task.WhenAll(writers.Select((writer, w) => Task.Run(async () =>
        {
            // 40 frames of 5 tracks each, one frame per batch: units change at 1, 2, 4, 8, 16 and 32 embeddings.
            for (int frame = 1; frame <= 40; frame++)
            {
                var states = Enumerable.Range(1, 5).Select(t => new TrackState(t, TrackStatus.Confirmed, new BoundingBox(0, 0, 10, 20), t - 1, null)).ToList();
                var persons = Enumerable.Range(1, 5).Select(t => new PersonObservation(t - 1, new BoundingBox(0, 0, 10, 20), 0.9f,
                    Embedding: new float[] { t, frame, w + 1 })).ToList();
                await writer.WriteAsync([new TrackUpdate($"cam-{w}", frame, SeedData.T0.AddSeconds(frame), states, persons, "test")]);
            }
        })));

        await stage.RunIndexerAsync(writing, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

        await writing;
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await new EmbeddingIndexer(_db.DataSource).PendingAsync(CancellationToken.None));
        Assert.Equal(10, await connection.ExecuteScalarAsync<int>("select count(*) from track_embeddings where indexed = unit and indexed_n = unit_n and unit_n = 32"));
        Assert.InRange(stage.Counters.Indexed, 10, 60); // each track at least once, at most once per unit it had
        // Before it returned, the indexer built each camera's own similarity index.
        Assert.Equal(["cam-0", "cam-1"], await connection.QueryAsync<string>("select id from cameras where camera_embedding_index_valid(3, id) order by id"));
    }

    [Fact]
    public async Task A_camera_index_a_failed_build_left_invalid_is_dropped_and_built_again()
    {
        var writer = new TrackUpdateWriter(_db.DataSource);
        var persons = new[] { new PersonObservation(0, new BoundingBox(0, 0, 10, 20), 0.9f, Embedding: new float[] { 1, 2, 3 }) };
        var states = new[] { new TrackState(1, TrackStatus.Confirmed, new BoundingBox(0, 0, 10, 20), 0, null) };
        await writer.WriteAsync([new TrackUpdate("cam-x", 1, SeedData.T0, states, persons, "test")]);
        var indexer = new EmbeddingIndexer(_db.DataSource);
        await indexer.DrainAsync(10, CancellationToken.None);
        Assert.Equal(1, await indexer.BuildCameraIndexesAsync(CancellationToken.None));
        Assert.Equal(0, await indexer.BuildCameraIndexesAsync(CancellationToken.None)); // nothing missing now

        // What an interrupted CREATE INDEX CONCURRENTLY leaves behind: the index, marked invalid.
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("update pg_index set indisvalid = false where indexrelid = to_regclass(camera_embedding_index_name(3, 'cam-x'))");
        Assert.False(await connection.ExecuteScalarAsync<bool>("select camera_embedding_index_valid(3, 'cam-x')"));
        Assert.Equal(1, await indexer.BuildCameraIndexesAsync(CancellationToken.None));
        Assert.True(await connection.ExecuteScalarAsync<bool>("select camera_embedding_index_valid(3, 'cam-x')"));
    }
}
