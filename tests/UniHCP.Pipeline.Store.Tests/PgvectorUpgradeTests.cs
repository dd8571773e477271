using Dapper;
using UniHCP.Pipeline.Store.Queries;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>A store written before pgvector (embeddings as real[]) keeps its data through migration 0003: the
/// embeddings become halfvec, each track gets its unit vector, the stored length gets its HNSW index, and search
/// by example answers from it.</summary>
public sealed class PgvectorUpgradeTests : IAsyncLifetime
{
    private readonly TestDatabase _db = TestDatabase.Unmigrated();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task A_store_of_real_arrays_migrates_to_halfvec_with_units_and_an_index_and_is_searchable()
    {
        var before = SchemaMigrator.Scripts.Where(s => s.Version <= 2).ToList();
        await using (var connection = await _db.DataSource.OpenConnectionAsync())
        {
            // What a program of version 2 left: its scripts applied and recorded (without checksums), data written.
            await connection.ExecuteAsync("create table schema_migrations (version integer primary key, name text not null, applied timestamptz not null default now())");
            foreach (var script in before)
            {
                await connection.ExecuteAsync(script.Sql);
                await connection.ExecuteAsync("insert into schema_migrations (version, name) values (@Version, @Name)", new { script.Version, script.Name });
            }
            await connection.ExecuteAsync("select ensure_partition('2026-11-20T00:00:00Z'::timestamptz)");
            await connection.ExecuteAsync(
                """
                insert into observations (camera_id, frame_seq, det_index, capture_time, track_id, x1, y1, x2, y2, score, embedding, model_version)
                values ('cam-u', 1, 0, '2026-11-20T10:00:00Z', 1, 0, 0, 10, 20, 0.9, '{3,4,0}', 'old'),
                       ('cam-u', 1, 1, '2026-11-20T10:00:00Z', 2, 0, 0, 10, 20, 0.9, null, 'old');
                insert into tracks (camera_id, track_id, first_seen, last_seen, status, n, embedding_n)
                values ('cam-u', 1, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', 1, 1, 1),
                       ('cam-u', 2, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', 1, 1, 1),
                       ('cam-u', 3, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', 1, 1, 1);
                insert into track_embeddings (camera_id, track_id, embedding_sum) values ('cam-u', 1, '{6,8,0}'), ('cam-u', 2, '{0,0,2}'), ('cam-u', 3, '{0,0,0}');
                """);
        }

        var applied = await SchemaMigrator.MigrateAsync(_db.DataSource);

        Assert.Contains("0003_pgvector_halfvec", applied);
        await using var check = await _db.DataSource.OpenConnectionAsync();
        float[]? observation = await check.ExecuteScalarAsync<float[]>("select embedding::real[] from observations where det_index = 0");
        Assert.Equal(new[] { 3f, 4f, 0f }, observation);
        var units = (await check.QueryAsync<(long Track, float[]? Unit)>("select track_id, unit::real[] from track_embeddings order by track_id")).ToList();
        Assert.Equal([0.6f, 0.8f, 0f], units[0].Unit!.Select(v => MathF.Round(v, 3)));
        Assert.Equal(new[] { 0f, 0f, 1f }, units[1].Unit);
        Assert.Null(units[2].Unit); // a zero sum has no direction
        // Migration 0009 moved the index onto the indexer's copy, which it filled from the migrated units.
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("select count(*) from pg_indexes where indexname = 'track_embeddings_unit_3'"));
        Assert.Equal(1, await check.ExecuteScalarAsync<int>("select count(*) from pg_indexes where indexname = 'track_embeddings_indexed_3'"));
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("select count(*) from track_embeddings where indexed_n <> unit_n"));
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("select count(*) from schema_migrations where checksum is null"));

        var found = await new SimilarSearch(_db.DataSource).ByEmbeddingAsync(new float[] { 0.6f, 0.8f, 0.01f },
            new SimilarityQuery(new TimeWindow(DateTimeOffset.Parse("2026-11-20T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2026-11-21T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal([1L, 2L], found.Select(r => r.Track.TrackId));
    }
}
