using Dapper;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Writing;
using static UniHCP.Pipeline.Store.Tests.SeedData;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>Operator queries against <see cref="SeedData"/>, whose answers are known by construction.</summary>
public sealed class QueryTests(SeededDatabase db) : IClassFixture<SeededDatabase>
{
    private static readonly TimeWindow FirstDay = new(T0, T0.AddHours(2));
    private static readonly TimeWindow BothDays = new(T0, T0.AddDays(2));

    private static List<string> Keys(IEnumerable<ScoredTrack> results) => results.Select(r => $"{r.Track.CameraId}/{r.Track.TrackId}").ToList();

    [Fact]
    public async Task Tracks_by_camera_and_window_have_first_last_seen_duration_and_thumbnail()
    {
        var queries = new TrackQueries(db.DataSource);

        var page = await queries.ListAsync(new TimeWindow(T0, T0.AddMinutes(1), ["cam-a"]), new Paging());

        Assert.Equal(2, page.Total);
        var a2 = page.Items[0];
        Assert.Equal(("cam-a", 2L), (a2.CameraId, a2.TrackId));
        Assert.Equal(T0.AddSeconds(10), a2.FirstSeen);
        Assert.Equal(TimeSpan.FromSeconds(30), a2.Duration);
        Assert.Equal(31, a2.Observations);
        Assert.Equal(101, a2.IdentityId);
        Assert.True(a2.HasThumbnail);
        Assert.Equal(("black", "black"), (a2.UpperColor, a2.LowerColor));
    }

    [Fact]
    public async Task A_window_selects_the_tracks_that_overlap_it()
    {
        var queries = new TrackQueries(db.DataSource);
        Assert.Equal(5, (await queries.ListAsync(FirstDay, new Paging())).Total);
        Assert.Equal(6, (await queries.ListAsync(BothDays, new Paging())).Total);
        // 00:00:30-00:01:05 overlaps cam-a/2 (until 40 s) and cam-b/1 (from 60 s) only.
        var middle = await queries.ListAsync(new TimeWindow(T0.AddSeconds(30), T0.AddSeconds(65)), new Paging());
        Assert.Equal(["cam-b/1", "cam-a/2"], middle.Items.Select(t => $"{t.CameraId}/{t.TrackId}"));
    }

    [Fact]
    public async Task Paging_returns_the_total_and_the_requested_slice()
    {
        var queries = new TrackQueries(db.DataSource);
        var all = await queries.ListAsync(BothDays, new Paging(1, 200));
        var second = await queries.ListAsync(BothDays, new Paging(2, 4));
        var beyond = await queries.ListAsync(BothDays, new Paging(9, 4));
        Assert.Equal(all.Items.Skip(4).Select(t => t.TrackId), second.Items.Select(t => t.TrackId));
        Assert.Equal(6, beyond.Total);
        Assert.Empty(beyond.Items);
    }

    [Fact]
    public async Task Track_detail_has_mean_attributes_the_path_and_the_same_identity_elsewhere()
    {
        var queries = new TrackQueries(db.DataSource);

        var detail = await queries.DetailAsync("cam-a", 1);
        var path = await queries.PathAsync("cam-a", 1);

        Assert.NotNull(detail);
        Assert.Equal(0.9f, detail.Attributes["Female"], 4);
        Assert.Equal(0.8f, detail.Attributes["Backpack"], 4);
        Assert.Equal(["cam-b/1"], detail.SameIdentity.Select(t => $"{t.CameraId}/{t.TrackId}"));
        Assert.Equal(21, path.Count);
        Assert.Equal(T0, path[0].CaptureTime);
        Assert.Equal(T0.AddSeconds(20), path[^1].CaptureTime);
        Assert.Null(await queries.DetailAsync("cam-a", 99));
    }

    [Fact]
    public async Task The_thumbnail_is_the_best_scoring_crop_of_the_track()
    {
        // Scores peak at second % 10 == 9; cam-a/1 spans 0..20 so seconds 9 and 19 tie; the first stays.
        var jpeg = await new TrackQueries(db.DataSource).ThumbnailAsync("cam-a", 1);
        Assert.NotNull(jpeg);
        Assert.Equal(Jpeg(Appearances[0], 9), jpeg);
    }

    [Fact]
    public async Task The_strip_holds_the_best_crop_of_each_ten_seconds_and_a_limit_spreads_it_over_the_track()
    {
        var queries = new TrackQueries(db.DataSource);
        // cam-a/1 spans seconds 0..20: slots 0-9, 10-19 and 20; scores peak at second % 10 == 9.
        var strip = await queries.StripAsync("cam-a", 1);
        Assert.Equal([9L, 19L, 20L], strip.Select(c => c.FrameSequence));
        Assert.Equal([T0.AddSeconds(9), T0.AddSeconds(19), T0.AddSeconds(20)], strip.Select(c => c.Time));
        Assert.Equal(Jpeg(Appearances[0], 19), strip[1].Jpeg);
        Assert.Equal([9L, 20L], (await queries.StripAsync("cam-a", 1, limit: 2)).Select(c => c.FrameSequence));
        Assert.Empty(await queries.StripAsync("cam-a", 99));
        Assert.Equal("limit", (await Assert.ThrowsAsync<QueryValidationException>(() => queries.StripAsync("cam-a", 1, limit: 0))).Parameter);
    }

    [Fact]
    public async Task Live_boxes_are_the_newest_frames_and_nothing_when_no_newer_frame_is_stored()
    {
        var queries = new LiveBoxQueries(db.DataSource);
        // cam-a's newest frame is second 40, where only cam-a/2 is visible.
        var newest = await queries.NewestAsync("cam-a");
        Assert.NotNull(newest);
        Assert.Equal((40L, T0.AddSeconds(40)), (newest.FrameSequence, newest.CaptureTime));
        var box = Assert.Single(newest.Boxes);
        Assert.Equal(2L, box.TrackId);
        Assert.Equal((10 + 40f, 20f, 50 + 40f, 120f), (box.X1, box.Y1, box.X2, box.Y2));
        Assert.Null(await queries.NewestAsync("cam-a", after: newest.CaptureTime));
        Assert.Null(await queries.NewestAsync("nobody"));
        await Assert.ThrowsAsync<QueryValidationException>(() => queries.NewestAsync("bad camera!"));
    }

    [Fact]
    public async Task Attribute_search_ranks_by_how_strongly_the_conditions_hold()
    {
        var search = new AttributeSearch(db.DataSource);

        var female = await search.SearchAsync(new AttributeQuery(BothDays, [AttributeCondition.Parse("Female>=0.6")]));
        var femaleWithBackpack = await search.SearchAsync(new AttributeQuery(BothDays, [AttributeCondition.Parse("female >= 0.6"), AttributeCondition.Parse("Backpack")]));

        Assert.Equal(["cam-c/1", "cam-a/1", "cam-b/1", "cam-b/2"], Keys(female.Items));
        Assert.Equal(4, female.Total);
        Assert.Equal(0.95, female.Items[0].Score, 4);
        Assert.Equal(["cam-c/1", "cam-a/1", "cam-b/1"], Keys(femaleWithBackpack.Items));
        Assert.Equal((0.95 + 0.9) / 2, femaleWithBackpack.Items[0].Score, 4);
    }

    [Fact]
    public async Task Attribute_search_combines_below_thresholds_colours_cameras_and_windows()
    {
        var search = new AttributeSearch(db.DataSource);

        var noHatInRed = await search.SearchAsync(new AttributeQuery(BothDays, [AttributeCondition.Parse("Hat<0.3")], UpperColor: "red"));
        var onCameraB = await search.SearchAsync(new AttributeQuery(new TimeWindow(T0, T0.AddDays(2), ["cam-b"]), [AttributeCondition.Parse("Female>=0.6")]));
        var firstMinute = await search.SearchAsync(new AttributeQuery(new TimeWindow(T0, T0.AddSeconds(50)), [AttributeCondition.Parse("Female>=0.6")]));
        var blackTrousers = await search.SearchAsync(new AttributeQuery(BothDays, [], LowerColor: "black"));

        Assert.Equal(["cam-a/1", "cam-b/1"], Keys(noHatInRed.Items));
        Assert.Equal(["cam-b/1", "cam-b/2"], Keys(onCameraB.Items));
        Assert.Equal(["cam-a/1"], Keys(firstMinute.Items));
        Assert.Equal(["cam-a/2", "cam-b/2"], Keys(blackTrousers.Items).Order());
    }

    [Fact]
    public async Task Attribute_search_by_identity_returns_each_person_once()
    {
        var search = new AttributeSearch(db.DataSource);
        var result = await search.SearchAsync(new AttributeQuery(BothDays, [AttributeCondition.Parse("Female>=0.6")], ByIdentity: true));
        var pastTheEnd = await search.SearchAsync(new AttributeQuery(BothDays, [AttributeCondition.Parse("Female>=0.6")], Paging: new Paging(3, 2), ByIdentity: true));
        Assert.Equal([103L, 100L, 102L], result.Items.Select(r => r.Track.IdentityId!.Value));
        Assert.Equal(3, result.Total);
        Assert.Empty(pastTheEnd.Items);
        Assert.Equal(3, pastTheEnd.Total);
    }

    [Fact]
    public async Task Attribute_search_rejects_unknown_names_and_bad_conditions_with_the_parameter_named()
    {
        var search = new AttributeSearch(db.DataSource);
        var unknown = await Assert.ThrowsAsync<QueryValidationException>(() => search.SearchAsync(new AttributeQuery(BothDays, [new AttributeCondition("Wings")])));
        Assert.Contains("Wings", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("Female", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("where", Assert.Throws<QueryValidationException>(() => AttributeCondition.Parse("Female>=1.5")).Parameter);
        Assert.Equal("where", Assert.Throws<QueryValidationException>(() => AttributeCondition.Parse("x'; drop table tracks; --")).Parameter);
        Assert.Equal("upper", Assert.Throws<QueryValidationException>(() => new AttributeQuery(BothDays, [], UpperColor: "red' or 1=1").Validate()).Parameter);
    }

    [Fact]
    public async Task Similar_search_by_embedding_ranks_by_cosine_similarity()
    {
        var search = new SimilarSearch(db.DataSource);

        var results = await search.ByEmbeddingAsync(P1.Embedding, new SimilarityQuery(BothDays, Limit: 4));

        Assert.Equal(["cam-a/1", "cam-b/1"], Keys(results.Take(2)).Order());
        // Embeddings are stored in float16: similarities to about three decimals.
        Assert.Equal(1.0, results[0].Score, 3);
        Assert.Equal("cam-c/1", Keys(results)[2]);
        Assert.Equal(0.8, results[2].Score, 3);
        Assert.Equal(4, results.Count);
    }

    [Fact]
    public async Task Similar_search_by_track_leaves_the_track_out_and_respects_window_and_threshold()
    {
        var search = new SimilarSearch(db.DataSource);

        var results = await search.ByTrackAsync("cam-a", 1, new SimilarityQuery(BothDays, MinSimilarity: 0.5));
        var otherDay = await search.ByTrackAsync("cam-a", 1, new SimilarityQuery(new TimeWindow(T0.AddDays(1), T0.AddDays(2))));

        Assert.NotNull(results);
        Assert.Equal(["cam-b/1", "cam-c/1"], Keys(results));
        Assert.Equal(["cam-c/2"], Keys(otherDay!));
        Assert.Equal(0, otherDay![0].Score, 3);
        Assert.Null(await search.ByTrackAsync("cam-z", 1, new SimilarityQuery(BothDays)));
    }

    [Fact]
    public async Task Similar_search_ranks_pending_tracks_exactly_and_indexed_ones_through_the_hnsw_index_of_their_length()
    {
        int length = P1.Embedding.Length;
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var indexes = (await connection.QueryAsync<string>("select indexdef from pg_indexes where tablename = 'track_embeddings'")).ToList();
        Assert.Contains(indexes, d => d.Contains($"track_embeddings_indexed_{length} ", StringComparison.Ordinal) && d.Contains("USING hnsw", StringComparison.Ordinal));
        var exact = await new SimilarSearch(db.DataSource) { Exact = true }.ByEmbeddingAsync(P2.Embedding, new SimilarityQuery(BothDays));
        Assert.Equal("cam-a/2", Keys(exact)[0]);

        // Whatever the indexer has done so far (other tests may have drained it), the index path ranks as exact search
        // does: pending tracks exactly, indexed ones through the index.
        var indexer = new EmbeddingIndexer(db.DataSource);
        var before = await new SimilarSearch(db.DataSource) { ExactBelow = 0 }.ByEmbeddingAsync(P2.Embedding, new SimilarityQuery(BothDays));
        Assert.Equal(exact.Select(r => Math.Round(r.Score, 3)), before.Select(r => Math.Round(r.Score, 3)));
        await indexer.DrainAsync(2, CancellationToken.None);
        Assert.Equal(0, await indexer.PendingAsync(CancellationToken.None));
        var after = await new SimilarSearch(db.DataSource) { ExactBelow = 0 }.ByEmbeddingAsync(P2.Embedding, new SimilarityQuery(BothDays));
        // Ties (orthogonal tracks at 0) may come in either order; the scores may not.
        Assert.Equal(exact.Select(r => Math.Round(r.Score, 3)), after.Select(r => Math.Round(r.Score, 3)));
        Assert.Equal("cam-a/2", Keys(after)[0]);

        // Six tracks make a sequential scan cheaper; with it priced out the planner must be able to take the index.
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("set local enable_seqscan = off", transaction: transaction);
        var plan = string.Join('\n', await connection.QueryAsync<string>(
            $"explain select e.camera_id from track_embeddings e where vector_dims(e.indexed) = {length} and e.indexed_n = e.unit_n order by e.indexed::halfvec({length}) <=> (select unit from track_embeddings limit 1) limit 5",
            transaction: transaction));
        Assert.Contains($"Index Scan using track_embeddings_indexed_{length}", plan, StringComparison.Ordinal);
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task A_search_naming_cameras_walks_each_cameras_own_index_and_ranks_as_exact_search_does()
    {
        int length = P1.Embedding.Length;
        var indexer = new EmbeddingIndexer(db.DataSource);
        await indexer.DrainAsync(10, CancellationToken.None);
        await indexer.BuildCameraIndexesAsync(CancellationToken.None); // builds none when an earlier test did
        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(["cam-a", "cam-b", "cam-c"], await connection.QueryAsync<string>(
            "select id from cameras where camera_embedding_index_valid(@length, id) order by id", new { length }));
        Assert.Empty(await connection.QueryAsync("select * from missing_camera_embedding_indexes()"));

        // Every camera through its index (none is ranked exactly), one camera and two, against exact ranking.
        var byIndex = new SimilarSearch(db.DataSource) { CameraExactBelow = -1, CameraConnections = 1 };
        foreach (string[] cameras in new[] { new[] { "cam-a" }, ["cam-a", "cam-b"], ["cam-b", "cam-c", "cam-a"] })
        {
            var query = new SimilarityQuery(BothDays with { Cameras = cameras });
            var exact = await new SimilarSearch(db.DataSource) { Exact = true }.ByEmbeddingAsync(P1.Embedding, query);
            var found = await byIndex.ByEmbeddingAsync(P1.Embedding, query);
            Assert.Equal(exact.Select(r => Math.Round(r.Score, 3)), found.Select(r => Math.Round(r.Score, 3)));
            Assert.All(found, r => Assert.Contains(r.Track.CameraId, cameras));
            // The same tracks resemble P1 (its own, at 1, tie; P4 at 0.8); the rest tie at 0, in any order.
            var similar = Keys(exact.Where(r => r.Score > 0.5)).Order().ToList();
            Assert.NotEmpty(similar);
            Assert.Equal(similar, Keys(found.Where(r => r.Score > 0.5)).Order());
        }

        // The camera's statement can walk that camera's index: the planner proves the partial index's predicate from
        // the bound camera parameter (sequential scans priced out: six tracks would make one cheaper).
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("set local enable_seqscan = off", transaction: transaction);
        string name = await connection.ExecuteScalarAsync<string>("select camera_embedding_index_name(@length, 'cam-b')", new { length }, transaction) ?? "";
        await using var explain = new Npgsql.NpgsqlCommand(
            "explain " + SimilarSearch.IndexedSql(length.ToString(System.Globalization.CultureInfo.InvariantCulture), SimilarSearch.OneCamera), connection, transaction);
        explain.Parameters.AddWithValue("example", new Pgvector.HalfVector(P1.Embedding.Select(v => (Half)v).ToArray()));
        explain.Parameters.AddWithValue("from", BothDays.From);
        explain.Parameters.AddWithValue("to", BothDays.To);
        explain.Parameters.Add(new Npgsql.NpgsqlParameter("cameras", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = DBNull.Value });
        explain.Parameters.AddWithValue("camera", "cam-b");
        explain.Parameters.AddWithValue("take", 5);
        var lines = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                lines.Add(reader.GetString(0));
        }
        string plan = string.Join('\n', lines);
        Assert.Contains($"Index Scan using {name}", plan, StringComparison.Ordinal);
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task Dashboard_aggregates_count_people_per_bucket_identities_dwell_and_attribute_mix()
    {
        var summary = await new DashboardQueries(db.DataSource).SummaryAsync(FirstDay, TimeSpan.FromMinutes(1));

        var activity = summary.Activity.Select(b => $"{b.CameraId}@{(b.Start - T0).TotalSeconds}:{b.People}").ToList();
        Assert.Equal(["cam-a@0:2", "cam-b@60:2", "cam-c@3600:1"], activity);
        Assert.Equal(5, summary.Tracks);
        Assert.Equal(4, summary.UniqueIdentities);
        var dwell = summary.Dwell.ToDictionary(d => d.MinSeconds, d => d.Tracks);
        Assert.Equal(1, dwell[5]);
        Assert.Equal(1, dwell[15]);
        Assert.Equal(3, dwell[30]);
        Assert.Equal(5, summary.Dwell.Sum(d => d.Tracks));
        var female = summary.AttributeMix.Single(a => a.Name == "Female");
        Assert.Equal(0.8, female.Share, 4);
        Assert.Equal(5, female.Tracks);
    }

    [Fact]
    public void A_track_counts_in_every_bucket_its_span_overlaps()
    {
        var window = new TimeWindow(T0, T0.AddMinutes(10));
        var activity = DashboardQueries.Activity(
            [("cam-a", T0.AddSeconds(30), T0.AddSeconds(150)), ("cam-a", T0.AddSeconds(61), T0.AddSeconds(62)), ("cam-b", T0.AddSeconds(-50), T0.AddSeconds(5))],
            window, TimeSpan.FromMinutes(1));
        Assert.Equal(["cam-a@0:1", "cam-a@60:2", "cam-a@120:1", "cam-b@0:1"], activity.Select(b => $"{b.CameraId}@{(b.Start - T0).TotalSeconds}:{b.People}"));
    }

    [Fact]
    public void Window_and_paging_limits_are_enforced()
    {
        Assert.Equal("to", Assert.Throws<QueryValidationException>(() => new TimeWindow(T0, T0.AddSeconds(-1)).Validate()).Parameter);
        Assert.Equal("pageSize", Assert.Throws<QueryValidationException>(() => new Paging(1, 100_000).Validate()).Parameter);
        Assert.Equal("cameras", Assert.Throws<QueryValidationException>(() => new TimeWindow(T0, T0, ["bad camera; --"]).Validate()).Parameter);
        Assert.Equal("limit", Assert.Throws<QueryValidationException>(() => new SimilarityQuery(BothDays, Limit: 5000).Validate()).Parameter);
    }
}
