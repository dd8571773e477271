using Dapper;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

public sealed class WriterTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Every_field_of_an_observation_reads_back_as_written()
    {
        float[] embedding = [1.5f, -2.25f, 1e-9f, 3000f, -0f, 0.1f];
        var person = new PersonObservation(3, new BoundingBox(1.5f, 2.5f, 40, 90), 0.875f,
            Keypoints: [new Keypoint(10, 20, 0.5f, true), new Keypoint(11, 21, 0.25f, false)],
            Parsing: new ParsingSummary(new Dictionary<string, float> { ["Hat"] = 0.125f }, "red", null),
            Attributes: [new("Female", 0.75f), new("Hat", 0.5f)],
            Embedding: embedding);
        var update = new TrackUpdate("cam-w", 42, SeedData.T0, [new TrackState(7, TrackStatus.Confirmed, person.Box, 3, 900)], [person], "model-9");

        await new TrackUpdateWriter(_db.DataSource).WriteAsync([update]);

        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<(long Track, float X1, float Score, float[] Keypoints, float[] Attributes, string Parts, string Upper, string? Lower, float[] Embedding, string Model)>(
            "select track_id, x1, score, keypoints, attributes, part_shares::text, upper_color, lower_color, embedding::real[], model_version from observations");
        Assert.Equal(7, row.Track);
        Assert.Equal(1.5f, row.X1);
        Assert.Equal(0.875f, row.Score);
        Assert.Equal([10f, 20f, 0.5f, 1f, 11f, 21f, 0.25f, 0f], row.Keypoints);
        Assert.Equal([0.75f, 0.5f], row.Attributes);
        Assert.Contains("\"Hat\": 0.125", row.Parts, StringComparison.Ordinal);
        Assert.Equal(("red", null), (row.Upper, row.Lower));
        // Stored as halfvec: each value as its nearest float16.
        Assert.Equal(embedding.Select(v => (float)(Half)v), row.Embedding);
        Assert.Equal("model-9", row.Model);
        Assert.Equal(900, await connection.ExecuteScalarAsync<long>("select identity_id from tracks"));
        Assert.Equal(embedding, await connection.ExecuteScalarAsync<float[]>("select embedding_sum from track_embeddings"));
        var unit = await connection.ExecuteScalarAsync<float[]>("select unit::real[] from track_embeddings");
        Assert.NotNull(unit);
        Assert.Equal(1.0, Math.Sqrt(unit.Sum(v => (double)v * v)), 3);
        Assert.Equal(3000 / Math.Sqrt(embedding.Sum(v => (double)v * v)), unit[3], 3);
    }

    [Fact]
    public async Task An_embedding_beyond_float16_keeps_its_direction_and_one_that_is_not_finite_is_refused()
    {
        float[] huge = [1e6f, -2e6f, 0.5f];
        var writer = new TrackUpdateWriter(_db.DataSource);
        await writer.WriteAsync([Update(1, huge)]);

        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var stored = await connection.ExecuteScalarAsync<float[]>("select embedding::real[] from observations");
        Assert.NotNull(stored);
        Assert.Equal(-65504f, stored[1]);
        Assert.Equal(0.5, stored[0] / stored[1] * -1, 3);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync([Update(2, [1f, float.NaN, 0f])]));
        Assert.Contains("not finite", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("select count(*) from observations"));
    }

    [Fact]
    public async Task A_tracks_searchable_unit_is_rewritten_when_its_embedding_count_doubles_while_the_sum_takes_every_one()
    {
        var writer = new TrackUpdateWriter(_db.DataSource);
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var seen = new List<(int N, int UnitN, float UnitX)>();
        // One embedding a batch: the first along x, the rest along y. The unit is made from the sum at 1, 2, 4 and 8.
        for (int frame = 1; frame <= 8; frame++)
        {
            await writer.WriteAsync([Update(frame, frame == 1 ? [1f, 0f] : [0f, 1f])]);
            seen.Add(await connection.QuerySingleAsync<(int, int, float)>("select n, unit_n, (unit::real[])[1] from track_embeddings"));
        }
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], seen.Select(s => s.N));
        Assert.Equal([1, 2, 2, 4, 4, 4, 4, 8], seen.Select(s => s.UnitN));
        // x share of the unit made from 1 x + (n - 1) y: 1, 1/sqrt(2), 1/sqrt(10), 1/sqrt(50).
        double[] expected = [1, 1 / Math.Sqrt(2), 1 / Math.Sqrt(2), 1 / Math.Sqrt(10), 1 / Math.Sqrt(10), 1 / Math.Sqrt(10), 1 / Math.Sqrt(10), 1 / Math.Sqrt(50)];
        Assert.All(seen.Zip(expected), p => Assert.Equal(p.Second, p.First.UnitX, 2));
        var sum = await connection.ExecuteScalarAsync<float[]>("select embedding_sum from track_embeddings");
        Assert.Equal(new[] { 1f, 7f }, sum);
    }

    [Fact]
    public async Task The_writer_leaves_the_index_to_the_embedding_indexer_which_copies_each_changed_unit_once()
    {
        var writer = new TrackUpdateWriter(_db.DataSource);
        var indexer = new EmbeddingIndexer(_db.DataSource);
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var indexed = () => connection.QuerySingleAsync<(int IndexedN, float[]? Indexed)>("select indexed_n, indexed::real[] from track_embeddings");

        await writer.WriteAsync([Update(1, [1f, 0f])]);
        Assert.Equal(1, await indexer.PendingAsync(CancellationToken.None));
        Assert.Equal((0, null), await indexed());
        Assert.Equal(1, await indexer.IndexPendingAsync(10, CancellationToken.None));
        Assert.Equal(0, await indexer.IndexPendingAsync(10, CancellationToken.None));
        Assert.Equal(1, (await indexed()).IndexedN);
        Assert.Equal(new[] { 1f, 0f }, (await indexed()).Indexed);

        // The second embedding doubles the count: a new unit, pending until indexed; the third leaves the unit alone.
        await writer.WriteAsync([Update(2, [0f, 1f])]);
        Assert.Equal(1, await indexer.PendingAsync(CancellationToken.None));
        Assert.Equal(1, await indexer.DrainAsync(1, CancellationToken.None));
        await writer.WriteAsync([Update(3, [0f, 1f])]);
        Assert.Equal(0, await indexer.PendingAsync(CancellationToken.None));
        var (n, unit) = await indexed();
        Assert.Equal(2, n);
        Assert.Equal(1 / Math.Sqrt(2), unit![0], 2);
        Assert.Equal(1 / Math.Sqrt(2), unit[1], 2);
    }

    private static TrackUpdate Update(long frame, float[] embedding)
    {
        var person = new PersonObservation(0, new BoundingBox(0, 0, 10, 20), 0.9f, Embedding: embedding);
        return new TrackUpdate("cam-h", frame, SeedData.T0.AddSeconds(frame), [new TrackState(1, TrackStatus.Confirmed, person.Box, 0, null)], [person], "model-h");
    }
}
