using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Stage;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// The store under load, on the real PostgreSQL server of .local/env, in a scratch database
/// (unihcp_bench, dropped afterwards): sustained insert rate of the track-update writer (binary
/// COPY, 1536-d halfvec embeddings, tracks' running sums, thumbnails) against a raw binary COPY of the
/// same rows into an unindexed table, with an embedding on every observation and with the mix that
/// per-track person tasks give (a track's first observation only); then p50/p95 latency of attribute
/// search and of search-by-example over 1,000,000 observations / 50,000 tracks (--filter small: a tenth; --filter mix: the
/// mix's insert cases only).
/// </summary>
internal static class StoreBenchmark
{
    private const int Cameras = 20;
    private const int PerTrack = 20;        // observations per track
    private const int Concurrent = 5;       // people in view per camera frame
    private const int Dimensions = 1536;
    private const int BatchUpdates = 1000;  // frames per write (5,000 observations: a third of a second at the target rate)
    // Person tasks run on a track's first confirmed observation and then every 2 s (50 frames at 25 frames/s): in
    // tracks of PerTrack observations, the first one carries the embedding.
    private const int MixEvery = 50;
    private static readonly int Writers = int.TryParse(Environment.GetEnvironmentVariable("UNIHCP_BENCH_WRITERS"), out int w) ? w : 2; // parallel writers, cameras split between them (one per core here)
    private static readonly DateTimeOffset Start = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Span = TimeSpan.FromDays(10);
    private static readonly string[] Colours = ["black", "white", "gray", "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown"];
    private static readonly string[] Attributes =
    [
        "Hat", "Glasses", "ShortSleeve", "LongSleeve", "UpperStride", "UpperLogo", "UpperPlaid", "UpperSplice", "LowerStripe", "LowerPattern",
        "LongCoat", "Trousers", "Shorts", "Skirt&Dress", "Boots", "HandBag", "ShoulderBag", "Backpack", "HoldObjectsInFront", "AgeOver60",
        "Age18-60", "AgeLess18", "Female", "Front", "Side", "Back",
    ];

    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        bool small = settings.Filter == "small";
        int tracks = small ? 5_000 : 50_000;
        int observations = tracks * PerTrack;
        var server = new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = "postgres", Pooling = false };
        const string database = "unihcp_bench";
        await ExecuteAsync(server.ConnectionString, $"drop database if exists {database} with (force)");
        await ExecuteAsync(server.ConnectionString, $"create database {database}");
        var report = new BenchmarkReport(
            $"Store: {observations:N0} observations / {tracks:N0} tracks, {Dimensions}-d embeddings",
            $"PostgreSQL {await ServerVersionAsync(server.ConnectionString)} from infra/setup.sh (default settings, fsync on), scratch database. " +
            $"{Cameras} cameras, {Concurrent} people in view, {PerTrack} observations per track (25 frames/s) spread over {Span.TotalDays:0} days; every observation has a box, 17 keypoints, " +
            $"{Attributes.Length} attribute probabilities, a parsing summary with colours, a {Dimensions}-d embedding (halfvec; \"mix\": only every {MixEvery}th observation of a track, its first here, as per-track person tasks store them) and a 2 KB thumbnail. " +
            "Insert: the writer (COPY into day partitions, primary key, track upserts with running attribute/embedding sums, best thumbnails, one transaction per batch of " +
            $"{BatchUpdates} frames, {Writers} writers with the cameras split between them) against the baseline, a raw binary COPY of the same rows into an unindexed, unpartitioned table. Embeddings follow the vector-search benchmark's appearance model (a person's tracks at cosine ~0.98, people at ~0.80), each observation's its track's plus a little noise. Rates count observations over wall-clock time (making the rows is included).");
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = database, Pooling = true };
            await using var dataSource = StoreDataSource.Create(new StoreOptions { ConnectionString = builder.ConnectionString });
            await SchemaMigrator.MigrateAsync(dataSource);

            bool mixOnly = settings.Filter == "mix";
            foreach (var (every, mix) in new[] { (MixEvery, "mix"), (1, "every observation with an embedding") })
            {
                if (mixOnly && every == 1)
                    return report;
                string baseline = $"raw binary COPY, {Writers} connection(s), {mix} (baseline)";
                var raw = await RawCopyAsync(dataSource, Math.Min(observations, 200_000), Writers, every);
                Console.Error.WriteLine($"{baseline}: {raw.Rate:0} observations/s");
                report.Add(new BenchmarkCase(baseline, [raw.Seconds], raw.Count, "obs/s", null, "same rows, no keys, no partitions, no track upkeep"));
                if (every != 1)
                {
                    // The mix's writer run is cleared away again: the queries below read the full load.
                    var mixed = await WriteAllAsync(dataSource, tracks, Writers, every);
                    report.Add(new BenchmarkCase($"writer, {Writers} in parallel, {mix}: COPY + tracks + thumbnails", [mixed.Seconds], mixed.Count, "obs/s", baseline, $"all {mixed.Count:N0} observations in {mixed.Batches} batches"));
                    await IndexAllAsync(dataSource, report, mix, mixed);
                    await ExecuteAsync(builder.ConnectionString, "truncate observations, tracks, track_embeddings, thumbnails, track_strip, cameras");
                }
                else
                {
                    var written = await WriteAllAsync(dataSource, tracks, Writers, every);
                    report.Add(new BenchmarkCase($"writer, {Writers} in parallel, {mix}: COPY + tracks + thumbnails", [written.Seconds], written.Count, "obs/s", baseline, $"all {written.Count:N0} observations in {written.Batches} batches"));
                    await IndexAllAsync(dataSource, report, mix, written);
                }
            }

            // The indexer's updates leave a dead version of every track_embeddings row; the queries are timed after
            // they are vacuumed, as autovacuum would have done in a store running for a while.
            var vacuum = Stopwatch.StartNew();
            await ExecuteAsync(builder.ConnectionString, "vacuum analyze track_embeddings");
            Console.Error.WriteLine($"vacuum analyze track_embeddings: {vacuum.Elapsed.TotalSeconds:0.0} s");
            await ExecuteAsync(builder.ConnectionString, "analyze tracks, observations");
            var (sizeObservations, sizeTotal) = await SizesAsync(builder.ConnectionString);
            var queries = await QueriesAsync(dataSource, tracks, settings.Runs);
            report.Note(queries + Environment.NewLine + string.Create(CultureInfo.InvariantCulture,
                $"Database size after the load: {sizeTotal / 1e9:0.0} GB ({sizeObservations / 1e9:0.0} GB observations)."));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server.ConnectionString, $"drop database if exists {database} with (force)");
        }
        return report;
    }

    /// <summary>The embedding indexer catching up with a load written without it (the HNSW insertions the writer no
    /// longer makes), on as many connections as writers; and observations over writing plus indexing time.</summary>
    private static async Task IndexAllAsync(NpgsqlDataSource dataSource, BenchmarkReport report, string mix, Timed written)
    {
        var indexer = new EmbeddingIndexer(dataSource);
        long pending = await indexer.PendingAsync(CancellationToken.None);
        // What a search costs while the indexer is that far behind (every track ranked exactly, as pending).
        var similar = new SimilarSearch(dataSource) { ExactBelow = 0 };
        var everything = new SimilarityQuery(new TimeWindow(Start, Start + Span), Limit: 20);
        var behind = new List<double>();
        for (int q = 0; q < 10; q++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await similar.ByTrackAsync($"cam-{q % Cameras:D2}", q + 1, everything);
            behind.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        // The cameras' own indexes first, as the stage's indexer has them early in a run (built before the units are
        // indexed, they hold none yet): the drain then inserts every unit into two graphs, as a live store does.
        // UNIHCP_BENCH_CAMERA_INDEXES=0 leaves them out (what they cost the indexer, in a run of its own).
        var build = Stopwatch.StartNew();
        int cameraIndexes = Environment.GetEnvironmentVariable("UNIHCP_BENCH_CAMERA_INDEXES") == "0" ? 0 : await indexer.BuildCameraIndexesAsync(CancellationToken.None);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cameraIndexes} camera indexes built in {build.Elapsed.TotalSeconds:0.0} s"));
        var clock = Stopwatch.StartNew();
        var drained = await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => indexer.DrainAsync(StoreStage.IndexBatch, CancellationToken.None)));
        double seconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"indexer, {mix}: {drained.Sum()} of {pending} pending tracks in {seconds:0.0} s");
        report.Add(new BenchmarkCase($"embedding indexer after the writer, {Writers} connections, {mix}", [seconds], (int)drained.Sum(), "tracks/s", null,
            string.Create(CultureInfo.InvariantCulture, $"{drained.Sum():N0} track units into HNSW ({(CameraIndexCount(dataSource) > 0 ? "the shared index and their camera's" : "the shared index only")}); written and indexed: {written.Count / (written.Seconds + seconds):0} obs/s; a search by example before it (all pending, ranked exactly): median {behind.Order().ElementAt(behind.Count / 2):0} ms")));
    }

    private static long CameraIndexCount(NpgsqlDataSource dataSource)
    {
        using var command = dataSource.CreateCommand("select count(*) from pg_indexes where tablename = 'track_embeddings' and indexname like 'track\\_embeddings\\_indexed\\_%\\_c%'");
        return (long)command.ExecuteScalar()!;
    }

    private sealed record Timed(int Count, double Seconds, int Batches = 0)
    {
        public double Rate => Count / Seconds;
    }

    /// <summary>
    /// Frames in time order, cameras interleaved, in batches of <see cref="BatchUpdates"/> per writer
    /// (a camera always goes to the same writer, as the store stage routes them). Embeddings
    /// follow the vector-search benchmark's appearance model, per track, plus a little noise per observation.
    /// </summary>
    private static IEnumerable<(int Writer, List<TrackUpdate> Batch)> Batches(int tracks, int writers, int embedEvery)
    {
        int slots = tracks / Cameras / Concurrent; // consecutive groups of Concurrent tracks per camera
        // The groups spread evenly over the span; within a group the frames are 40 ms apart (25 frames/s), as a
        // camera's are: a track's crops then fall into one or two of the strip's 10 s slots, not one slot each.
        var groupEvery = Span / slots;
        var frameEvery = TimeSpan.FromMilliseconds(40);
        var random = new Random(42);
        // Embeddings as ReID gives them: each track's from the vector-search benchmark's appearance model (a person's
        // tracks at cosine ~0.98, two people at ~0.80; four tracks a person), each observation's its track's plus a
        // little noise (cosine ~0.99). Uniform random vectors would be HNSW's worst case, and a small pool of them
        // shared by all tracks its best.
        var shared = VectorSearchBenchmark.Unit(new Random(1), Dimensions);
        var noise = Enumerable.Range(0, 1024).Select(i => VectorSearchBenchmark.Unit(new Random(10_000 + i), Dimensions)).ToArray();
        var bases = new Dictionary<(int Camera, long Track), (float[] Attributes, string Upper, string Lower, float[] Embedding)>();
        var thumbnail = new byte[2048];
        random.NextBytes(thumbnail);
        var pending = Enumerable.Range(0, writers).Select(_ => new List<TrackUpdate>(BatchUpdates)).ToArray();
        for (int slot = 0; slot < slots; slot++)
        {
            for (int f = 0; f < PerTrack; f++)
            {
                for (int c = 0; c < Cameras; c++)
                {
                    var time = Start + (groupEvery * slot) + (frameEvery * f) + TimeSpan.FromMilliseconds(c);
                    var persons = new List<PersonObservation>(Concurrent);
                    var states = new List<TrackState>(Concurrent);
                    for (int p = 0; p < Concurrent; p++)
                    {
                        long track = (slot * Concurrent) + p + 1;
                        if (f == 0)
                            bases[(c, track)] = (Vector(random, Attributes.Length), Colours[random.Next(Colours.Length)], Colours[random.Next(Colours.Length)],
                                VectorSearchBenchmark.Embedding(shared, (int)(((c * 1_000_000L) + track) / 4), new Random((c * 1_000_000) + (int)track)));
                        var b = bases[(c, track)];
                        var box = new BoundingBox(p * 100, 50, (p * 100) + 60, 230);
                        persons.Add(new PersonObservation(p, box, 0.5f + (0.5f * random.NextSingle()),
                            Keypoints: Enumerable.Range(0, 17).Select(k => new Keypoint(box.X1 + k, box.Y1 + (k * 10), 0.8f, true)).ToArray(),
                            Parsing: new ParsingSummary(new Dictionary<string, float> { ["UpperClothes"] = 0.3f, ["Pants"] = 0.25f, ["Face"] = 0.05f }, b.Upper, b.Lower),
                            Attributes: Attributes.Select((name, i) => new AttributeProbability(name, b.Attributes[i])).ToArray(),
                            Embedding: f % embedEvery == 0 ? Jittered(b.Embedding, noise[random.Next(noise.Length)]) : default,
                            Thumbnail: thumbnail));
                        states.Add(new TrackState(track, f == PerTrack - 1 ? TrackStatus.Removed : TrackStatus.Confirmed, box, p, null));
                        if (f == PerTrack - 1)
                            bases.Remove((c, track));
                    }
                    int w = c % writers;
                    pending[w].Add(new TrackUpdate($"cam-{c:D2}", (slot * PerTrack) + f, time, states, persons, "bench"));
                    if (pending[w].Count == BatchUpdates)
                    {
                        yield return (w, pending[w]);
                        pending[w] = new List<TrackUpdate>(BatchUpdates);
                    }
                }
            }
        }
        for (int w = 0; w < writers; w++)
        {
            if (pending[w].Count > 0)
                yield return (w, pending[w]);
        }
    }

    /// <summary>Runs one consumer per writer over its share of the batches; returns observations written and wall seconds.</summary>
    private static async Task<Timed> ParallelAsync(int tracks, int writers, int embedEvery, Func<List<TrackUpdate>, Task<int>> write)
    {
        var queues = Enumerable.Range(0, writers).Select(_ => System.Threading.Channels.Channel.CreateBounded<List<TrackUpdate>>(2)).ToArray();
        using var failed = new CancellationTokenSource();
        int count = 0, batches = 0;
        var wall = Stopwatch.StartNew();
        var consumers = queues.Select(q => Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in q.Reader.ReadAllAsync())
                {
                    int n = await write(batch);
                    Interlocked.Add(ref count, n);
                    if (Interlocked.Increment(ref batches) % 100 == 0)
                        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Volatile.Read(ref count):N0} observations, {Volatile.Read(ref count) / wall.Elapsed.TotalSeconds:0} /s"));
                }
            }
            catch
            {
                await failed.CancelAsync(); // stop the producer instead of leaving it blocked on a full queue
                throw;
            }
        })).ToArray();
        try
        {
            foreach (var (w, batch) in Batches(tracks, writers, embedEvery))
                await queues[w].Writer.WriteAsync(batch, failed.Token);
        }
        catch (OperationCanceledException) when (failed.IsCancellationRequested)
        {
            // A consumer failed; its exception surfaces below.
        }
        foreach (var q in queues)
            q.Writer.TryComplete();
        await Task.WhenAll(consumers);
        return new Timed(count, wall.Elapsed.TotalSeconds, batches);
    }

    private static float[] Jittered(float[] embedding, float[] noise)
    {
        var v = new float[embedding.Length];
        for (int i = 0; i < v.Length; i++)
            v[i] = embedding[i] + (0.05f * noise[i]);
        return v;
    }

    private static float[] Vector(Random random, int length)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++)
            v[i] = random.NextSingle();
        return v;
    }

    private static Task<Timed> WriteAllAsync(NpgsqlDataSource dataSource, int tracks, int writers, int embedEvery)
    {
        var writer = new TrackUpdateWriter(dataSource);
        return ParallelAsync(tracks, writers, embedEvery, async batch => (await writer.WriteAsync(batch)).NewObservations);
    }

    // The floor: the same observation rows, binary COPY into a table with no key, index or partitions.
    private static async Task<Timed> RawCopyAsync(NpgsqlDataSource dataSource, int limit, int writers, int embedEvery)
    {
        await using (var connection = await dataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("create table raw_copy (like observations including storage including defaults) with (toast_tuple_target = 8160)");
        var result = await ParallelAsync(limit / PerTrack, writers, embedEvery, async batch =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            int count = 0;
            await using var importer = await connection.BeginBinaryImportAsync("copy raw_copy (camera_id, frame_seq, det_index, capture_time, track_id, x1, y1, x2, y2, score, keypoints, attributes, part_shares, upper_color, lower_color, embedding, model_version) from stdin (format binary)");
            foreach (var update in batch)
            {
                foreach (var p in update.Observations)
                {
                    await importer.StartRowAsync();
                    await importer.WriteAsync(update.CameraId, NpgsqlDbType.Text);
                    await importer.WriteAsync(update.FrameSequence, NpgsqlDbType.Bigint);
                    await importer.WriteAsync(p.DetectionIndex, NpgsqlDbType.Integer);
                    await importer.WriteAsync(update.CaptureTime, NpgsqlDbType.TimestampTz);
                    await importer.WriteAsync(update.Tracks[p.DetectionIndex].TrackId, NpgsqlDbType.Bigint);
                    await importer.WriteAsync(p.Box.X1, NpgsqlDbType.Real);
                    await importer.WriteAsync(p.Box.Y1, NpgsqlDbType.Real);
                    await importer.WriteAsync(p.Box.X2, NpgsqlDbType.Real);
                    await importer.WriteAsync(p.Box.Y2, NpgsqlDbType.Real);
                    await importer.WriteAsync(p.Score, NpgsqlDbType.Real);
                    await importer.WriteAsync(p.Keypoints!.SelectMany(k => new[] { k.X, k.Y, k.Score, 1f }).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Real);
                    await importer.WriteAsync(p.Attributes!.Select(a => a.Probability).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Real);
                    await importer.WriteAsync(System.Text.Json.JsonSerializer.Serialize(p.Parsing!.PartShares), NpgsqlDbType.Jsonb);
                    await importer.WriteAsync(p.Parsing.UpperColor!, NpgsqlDbType.Text);
                    await importer.WriteAsync(p.Parsing.LowerColor!, NpgsqlDbType.Text);
                    if (p.Embedding.IsEmpty)
                        await importer.WriteNullAsync();
                    else
                        await importer.WriteAsync(HalfVecWire.Encode(p.Embedding.Span), NpgsqlDbType.Bytea);
                    await importer.WriteAsync(update.ModelVersion, NpgsqlDbType.Text);
                    count++;
                }
            }
            await importer.CompleteAsync();
            return count;
        });
        await using (var connection = await dataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("drop table raw_copy");
        return result;
    }

    private static async Task<string> QueriesAsync(NpgsqlDataSource dataSource, int tracks, int runs)
    {
        var random = new Random(7);
        int queries = Math.Max(100, runs * 40);
        var search = new AttributeSearch(dataSource);
        var attributeTimes = new List<double>();
        int attributeHits = 0;
        for (int q = 0; q < queries; q++)
        {
            var conditions = Enumerable.Range(0, random.Next(1, 4))
                .Select(_ => new AttributeCondition(Attributes[random.Next(Attributes.Length)], 0.3f + (0.4f * random.NextSingle()), random.Next(2) == 0))
                .DistinctBy(c => c.Name).ToList();
            string? upper = random.Next(10) < 3 ? Colours[random.Next(Colours.Length)] : null;
            var window = RandomWindow(random);
            var t0 = Stopwatch.GetTimestamp();
            var page = await search.SearchAsync(new AttributeQuery(window, conditions, upper, Paging: new Paging(1, 50)));
            attributeTimes.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            attributeHits += page.Total;
        }

        var similar = new SimilarSearch(dataSource);
        var full = new TimeWindow(Start, Start + Span);
        var cold = Stopwatch.GetTimestamp();
        await similar.ByTrackAsync("cam-00", 1, new SimilarityQuery(full));
        double coldMs = Stopwatch.GetElapsedTime(cold).TotalMilliseconds;
        var similarTimes = new List<double>();
        int sameFirst = 0;
        for (int q = 0; q < queries; q++)
        {
            string camera = $"cam-{random.Next(Cameras):D2}";
            long track = random.Next(1, (tracks / Cameras) + 1);
            var window = q % 2 == 0 ? full : RandomWindow(random, camerasToo: false);
            var t0 = Stopwatch.GetTimestamp();
            var results = await similar.ByTrackAsync(camera, track, new SimilarityQuery(window, Limit: 20));
            similarTimes.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            sameFirst += results is { Count: > 0 } ? 1 : 0;
        }

        var dashboard = new DashboardQueries(dataSource);
        var dashboardTimes = new List<double>();
        for (int q = 0; q < 10; q++)
        {
            var day = Start + TimeSpan.FromDays(random.Next(0, 9));
            var t0 = Stopwatch.GetTimestamp();
            await dashboard.SummaryAsync(new TimeWindow(day, day + TimeSpan.FromDays(1)));
            dashboardTimes.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine("| query | runs | p50 | p95 | max | target (p95) |");
        text.AppendLine("|---|---|---|---|---|---|");
        text.AppendLine(inv, $"| attribute search (1-3 conditions, 30 % with a colour, 30 % on 1-5 cameras, windows of 1-10 days, page of 50) | {queries} | {P(attributeTimes, 50):0.0} ms | {P(attributeTimes, 95):0.0} ms | {attributeTimes.Max():0.0} ms | < 100 ms |");
        text.AppendLine(inv, $"| search by example (a track's embedding; half over all {tracks:N0} tracks, half over 1-10 days; top 20) | {queries} | {P(similarTimes, 50):0.0} ms | {P(similarTimes, 95):0.0} ms | {similarTimes.Max():0.0} ms | < 300 ms |");
        text.AppendLine(inv, $"| dashboard summary (one day, all cameras) | 10 | {P(dashboardTimes, 50):0.0} ms | {P(dashboardTimes, 95):0.0} ms | {dashboardTimes.Max():0.0} ms | - |");
        text.AppendLine();
        text.AppendLine(inv, $"Search by example ranks in PostgreSQL (HNSW index on the tracks' unit embeddings, nothing cached in the process); the first query took {coldMs:0} ms. " +
            $"Attribute searches matched {attributeHits / (double)queries:0} tracks on average; {sameFirst} of {queries} example searches returned results.");
        return text.ToString();
    }

    private static TimeWindow RandomWindow(Random random, bool camerasToo = true)
    {
        var days = TimeSpan.FromDays(1 + random.Next(10));
        var from = Start + TimeSpan.FromHours(random.Next(0, (int)Math.Max(1, (Span - days).TotalHours)));
        IReadOnlyList<string>? cameras = camerasToo && random.Next(10) < 3
            ? Enumerable.Range(0, random.Next(1, 6)).Select(_ => $"cam-{random.Next(Cameras):D2}").Distinct().ToList()
            : null;
        return new TimeWindow(from, from + days, cameras);
    }

    internal static double P(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync(sql, commandTimeout: 0);
    }

    private static async Task<string> ServerVersionAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection.PostgreSqlVersion.ToString();
    }

    private static async Task<(long Observations, long Total)> SizesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return await connection.QuerySingleAsync<(long, long)>(
            "select (select coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint from pg_inherits where inhparent = 'observations'::regclass), pg_database_size(current_database())");
    }

    internal static string ServerConnectionString()
    {
        string? value = Environment.GetEnvironmentVariable("UNIHCP_ConnectionStrings__Store");
        if (!string.IsNullOrEmpty(value))
            return value;
        throw new InvalidOperationException("No PostgreSQL server: source .local/env (written by infra/setup.sh) first.");
    }
}
