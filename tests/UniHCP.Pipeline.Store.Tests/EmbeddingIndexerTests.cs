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
    }
}
