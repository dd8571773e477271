using System.Numerics.Tensors;
using System.Text.Json;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>What a batch write changed.</summary>
public sealed record WriteResult(int Observations, int NewObservations, int Tracks, bool Replayed);

/// <summary>
/// Writes batches of track updates (each carrying its frame's observations) in one transaction:
/// observations by binary COPY, then the touched tracks' running sums, statuses and times, then
/// each track's best thumbnail and its best crop per <see cref="StripSlot"/> (the track page's strip). Idempotent on (camera, frame sequence, detection index): the fast
/// path copies straight into the table; if any row is already there (a replay after a crash), the
/// transaction is rolled back and the batch goes through a staging table with ON CONFLICT DO NOTHING,
/// and only the rows that were really new count towards the tracks' sums. A writer killed mid-batch
/// leaves nothing (the transaction did not commit); the replay then writes everything once. Optionally fills
/// the frames in which a track was lost (<see cref="TrackGaps"/>).
/// </summary>
/// <param name="dataSource">The store.</param>
/// <param name="interpolateGapsUpTo">Fill the frames of a track's lost spells of at most this long with interpolated
/// observations when it is detected again (<see cref="TrackGaps"/>); zero: never.</param>
public sealed class TrackUpdateWriter(NpgsqlDataSource dataSource, TimeSpan interpolateGapsUpTo = default)
{
    private const string Columns = "camera_id, frame_seq, det_index, capture_time, track_id, x1, y1, x2, y2, score, keypoints, attributes, part_shares, upper_color, lower_color, embedding, model_version";
    private readonly AttributeVocabulary _vocabulary = new();
    private readonly HashSet<DateOnly> _partitions = [];
    private readonly HashSet<int> _indexedLengths = [];

    public async Task<WriteResult> WriteAsync(IReadOnlyList<TrackUpdate> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
            return new WriteResult(0, 0, 0, false);
        try
        {
            return await WriteOnceAsync(batch, replay: false, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return await WriteOnceAsync(batch, replay: true, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CheckViolation && ex.TableName == "observations")
        {
            // No partition for a row: retention dropped a day this writer had seen; forget and retry.
            lock (_partitions)
                _partitions.Clear();
            return await WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<WriteResult> WriteOnceAsync(IReadOnlyList<TrackUpdate> batch, bool replay, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await EnsurePartitionsAsync(connection, batch, cancellationToken).ConfigureAwait(false);
        await EnsureEmbeddingIndexesAsync(connection, batch, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await UpsertCamerasAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false);
        var rows = await RowsAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false);

        IReadOnlyList<ObservationRow> fresh;
        if (!replay)
        {
            await CopyAsync(connection, "observations", rows, cancellationToken).ConfigureAwait(false);
            fresh = rows;
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "create temp table if not exists observations_stage (like observations including defaults) on commit delete rows", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await CopyAsync(connection, "observations_stage", rows, cancellationToken).ConfigureAwait(false);
            var inserted = (await connection.QueryAsync<(string Camera, long Frame, int Det)>(new CommandDefinition(
                $"insert into observations ({Columns}) select {Columns} from observations_stage on conflict do nothing returning camera_id, frame_seq, det_index",
                transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet();
            fresh = rows.Where(r => inserted.Contains((r.Camera, r.Frame, r.Detection))).ToList();
        }

        int tracks = await UpsertTracksAsync(connection, transaction, batch, fresh, cancellationToken).ConfigureAwait(false);
        if (interpolateGapsUpTo > TimeSpan.Zero)
        {
            await TrackGaps.UpdateAsync(connection, transaction, batch, rows.Where(r => r.Track is not null).Select(r => (r.Camera, r.Track!.Value, r.Frame)),
                interpolateGapsUpTo, cancellationToken).ConfigureAwait(false);
        }
        await UpsertThumbnailsAsync(connection, transaction, fresh, cancellationToken).ConfigureAwait(false);
        await UpsertStripAsync(connection, transaction, fresh, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new WriteResult(rows.Count, fresh.Count, tracks, replay);
    }

    // Creates the day partitions the batch needs that this writer has not seen yet, each in its own
    // short transaction before the batch's: a parallel writer needing the same day waits only for
    // the creation, not for a whole batch, and a batch that fails later leaves an empty partition.
    private async Task EnsurePartitionsAsync(NpgsqlConnection connection, IReadOnlyList<TrackUpdate> batch, CancellationToken cancellationToken)
    {
        List<DateOnly> days;
        lock (_partitions)
            days = batch.Where(u => u.Observations.Count > 0).Select(u => DateOnly.FromDateTime(u.CaptureTime.UtcDateTime)).Distinct().Where(d => !_partitions.Contains(d)).Order().ToList();
        foreach (var day in days)
        {
            await connection.ExecuteAsync(new CommandDefinition("select ensure_partition(@t)", new { t = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            lock (_partitions)
                _partitions.Add(day);
        }
    }

    // The similarity index of each embedding length the batch brings that this writer has not seen yet (one per
    // length; see migration 0003), created before the rows so that it is built on few of them.
    private async Task EnsureEmbeddingIndexesAsync(NpgsqlConnection connection, IReadOnlyList<TrackUpdate> batch, CancellationToken cancellationToken)
    {
        List<int> lengths;
        lock (_indexedLengths)
            lengths = batch.SelectMany(u => u.Observations).Select(o => o.Embedding.Length).Where(n => n > 0).Distinct().Where(n => !_indexedLengths.Contains(n)).ToList();
        foreach (int length in lengths)
        {
            await connection.ExecuteAsync(new CommandDefinition("select ensure_embedding_index(@length)", new { length }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            lock (_indexedLengths)
                _indexedLengths.Add(length);
        }
    }

    private static Task UpsertCamerasAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<TrackUpdate> batch, CancellationToken cancellationToken)
    {
        var cameras = batch.GroupBy(u => u.CameraId).Select(g => new { id = g.Key, first = g.Min(u => u.CaptureTime), last = g.Max(u => u.CaptureTime) }).ToList();
        return connection.ExecuteAsync(new CommandDefinition(
            """
            insert into cameras (id, first_seen, last_seen) select * from unnest(@ids, @firsts, @lasts)
            on conflict (id) do update set first_seen = least(cameras.first_seen, excluded.first_seen), last_seen = greatest(cameras.last_seen, excluded.last_seen)
            """,
            new { ids = cameras.Select(c => c.id).ToArray(), firsts = cameras.Select(c => c.first).ToArray(), lasts = cameras.Select(c => c.last).ToArray() },
            transaction, cancellationToken: cancellationToken));
    }

    private sealed record ObservationRow(string Camera, long Frame, int Detection, DateTimeOffset Time, long? Track, PersonObservation Person, float[]? Attributes, string Model);

    private async Task<List<ObservationRow>> RowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<TrackUpdate> batch, CancellationToken cancellationToken)
    {
        var names = batch.SelectMany(u => u.Observations).SelectMany(o => o.Attributes ?? []).Select(a => a.Name).Distinct(StringComparer.Ordinal).ToList();
        var ids = names.Count > 0 ? await _vocabulary.IdsAsync(connection, transaction, names, cancellationToken).ConfigureAwait(false) : [];
        var idOf = names.Zip(ids).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        int width = ids.Length > 0 ? ids.Max() : 0;
        var rows = new List<ObservationRow>();
        foreach (var update in batch)
        {
            var trackOf = update.Tracks.Where(t => t.DetectionIndex is not null).ToDictionary(t => t.DetectionIndex!.Value, t => t.TrackId);
            foreach (var person in update.Observations)
            {
                float[]? attributes = null;
                if (person.Attributes is { Count: > 0 } list)
                {
                    attributes = new float[width];
                    Array.Fill(attributes, float.NaN);
                    foreach (var a in list)
                        attributes[idOf[a.Name] - 1] = a.Probability;
                }
                rows.Add(new ObservationRow(update.CameraId, update.FrameSequence, person.DetectionIndex, update.CaptureTime,
                    trackOf.TryGetValue(person.DetectionIndex, out long track) ? track : null, person, attributes, update.ModelVersion));
            }
        }
        return rows;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string table, IReadOnlyList<ObservationRow> rows, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync($"copy {table} ({Columns}) from stdin (format binary)", cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            var p = row.Person;
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(row.Camera, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(row.Frame, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(row.Detection, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(row.Time, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            if (row.Track is { } track)
                await importer.WriteAsync(track, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            else
                await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(p.Box.X1, NpgsqlDbType.Real, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(p.Box.Y1, NpgsqlDbType.Real, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(p.Box.X2, NpgsqlDbType.Real, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(p.Box.Y2, NpgsqlDbType.Real, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(p.Score, NpgsqlDbType.Real, cancellationToken).ConfigureAwait(false);
            await WriteArrayAsync(importer, Flatten(p.Keypoints), cancellationToken).ConfigureAwait(false);
            await WriteArrayAsync(importer, row.Attributes, cancellationToken).ConfigureAwait(false);
            if (p.Parsing is { } parsing)
            {
                await importer.WriteAsync(JsonSerializer.Serialize(parsing.PartShares), NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(importer, parsing.UpperColor, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(importer, parsing.LowerColor, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }
            if (p.Embedding.IsEmpty)
                await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            else
                await importer.WriteAsync(HalfVecWire.Encode(p.Embedding.Span), NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(row.Model, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        }
        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    // A keypoint as four values (x, y, score, visible as 1 or 0), in the joints' order.
    private static float[]? Flatten(IReadOnlyList<Keypoint>? keypoints)
    {
        if (keypoints is null)
            return null;
        var values = new float[keypoints.Count * 4];
        for (int i = 0; i < keypoints.Count; i++)
        {
            var k = keypoints[i];
            values[4 * i] = k.X;
            values[(4 * i) + 1] = k.Y;
            values[(4 * i) + 2] = k.Score;
            values[(4 * i) + 3] = k.Visible ? 1f : 0f;
        }
        return values;
    }

    private static Task WriteArrayAsync(NpgsqlBinaryImporter importer, float[]? values, CancellationToken cancellationToken) =>
        values is null ? importer.WriteNullAsync(cancellationToken) : importer.WriteAsync(values, NpgsqlDbType.Array | NpgsqlDbType.Real, cancellationToken);

    private static Task WriteTextAsync(NpgsqlBinaryImporter importer, string? value, CancellationToken cancellationToken) =>
        value is null ? importer.WriteNullAsync(cancellationToken) : importer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

    // Tracks touched by the batch: times and status from every update (idempotent: min, max, latest),
    // sums only from the observations that were newly stored.
    private static async Task<int> UpsertTracksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<TrackUpdate> batch, IReadOnlyList<ObservationRow> fresh, CancellationToken cancellationToken)
    {
        var states = batch.SelectMany(u => u.Tracks.Select(t => (u.CameraId, u.CaptureTime, State: t)))
            .GroupBy(x => (x.CameraId, x.State.TrackId))
            .Select(g => (Key: g.Key, First: g.Min(x => x.CaptureTime), Last: g.Max(x => x.CaptureTime), Latest: g.MaxBy(x => x.CaptureTime).State))
            .ToList();
        var sums = fresh.Where(r => r.Track is not null).GroupBy(r => (r.Camera, r.Track!.Value)).ToDictionary(g => g.Key, g => g.ToList());
        var sql = new NpgsqlBatch(connection, transaction);
        foreach (var (key, first, last, latest) in states)
        {
            var mine = sums.GetValueOrDefault(key) ?? [];
            var best = mine.MaxBy(r => r.Person.Score);
            var command = new NpgsqlBatchCommand(
                """
                insert into tracks as t (camera_id, track_id, first_seen, last_seen, status, n, best_score, attr_sum, attr_n, embedding_n, upper_color, lower_color, identity_id)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce((select i.merged_into from identities i where i.id = $13), $13,
                    -- The identities stage may have named the track before its first update was stored.
                    (select coalesce(i.merged_into, e.identity_id) from identity_events e left join identities i on i.id = e.identity_id
                     where e.camera_id = $1 and e.track_id = $2 order by e.time desc, e.kind desc limit 1)))
                on conflict (camera_id, track_id) do update set
                    identity_id = case when excluded.last_seen >= t.last_seen then coalesce(excluded.identity_id, t.identity_id) else t.identity_id end,
                    first_seen = least(t.first_seen, excluded.first_seen),
                    last_seen = greatest(t.last_seen, excluded.last_seen),
                    status = case when excluded.last_seen >= t.last_seen then excluded.status else t.status end,
                    n = t.n + excluded.n,
                    attr_sum = array_add(t.attr_sum, excluded.attr_sum),
                    attr_n = t.attr_n + excluded.attr_n,
                    embedding_n = t.embedding_n + excluded.embedding_n,
                    upper_color = case when excluded.best_score > t.best_score and excluded.upper_color is not null then excluded.upper_color else t.upper_color end,
                    lower_color = case when excluded.best_score > t.best_score and excluded.lower_color is not null then excluded.lower_color else t.lower_color end,
                    best_score = greatest(t.best_score, excluded.best_score)
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = key.CameraId });
            command.Parameters.Add(new NpgsqlParameter { Value = key.TrackId });
            command.Parameters.Add(new NpgsqlParameter { Value = first });
            command.Parameters.Add(new NpgsqlParameter { Value = last });
            command.Parameters.Add(new NpgsqlParameter { Value = (short)latest.Status });
            command.Parameters.Add(new NpgsqlParameter { Value = mine.Count });
            command.Parameters.Add(new NpgsqlParameter { Value = best?.Person.Score ?? 0f });
            var attributes = Sum(mine.Select(r => r.Attributes));
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)attributes ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real });
            command.Parameters.Add(new NpgsqlParameter { Value = mine.Count(r => r.Attributes is not null) });
            var withEmbedding = mine.Where(r => !r.Person.Embedding.IsEmpty).ToList();
            command.Parameters.Add(new NpgsqlParameter { Value = withEmbedding.Count });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)best?.Person.Parsing?.UpperColor ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)best?.Person.Parsing?.LowerColor ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)latest.IdentityId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            sql.BatchCommands.Add(command);
            if (withEmbedding.Count > 0)
                sql.BatchCommands.Add(EmbeddingUpsert(key, withEmbedding));
        }
        if (sql.BatchCommands.Count > 0)
            await sql.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return states.Count;
    }

    private static NpgsqlBatchCommand EmbeddingUpsert((string CameraId, long TrackId) key, List<ObservationRow> rows)
    {
        int length = rows.Max(r => r.Person.Embedding.Length);
        var sum = new float[length];
        foreach (var row in rows)
        {
            var e = row.Person.Embedding.Span;
            TensorPrimitives.Add(sum.AsSpan(0, e.Length), e, sum.AsSpan(0, e.Length));
        }
        var command = new NpgsqlBatchCommand(
            """
            insert into track_embeddings as e (camera_id, track_id, embedding_sum, unit, n, unit_n) values ($1, $2, $3, unit_halfvec($3), $4, $4)
            on conflict (camera_id, track_id) do update set
                embedding_sum = array_add(e.embedding_sum, excluded.embedding_sum),
                n = e.n + excluded.n,
                unit = case when e.unit is null or e.n + excluded.n >= 2 * e.unit_n then unit_halfvec(array_add(e.embedding_sum, excluded.embedding_sum)) else e.unit end,
                unit_n = case when e.unit is null or e.n + excluded.n >= 2 * e.unit_n then e.n + excluded.n else e.unit_n end
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = key.CameraId });
        command.Parameters.Add(new NpgsqlParameter { Value = key.TrackId });
        command.Parameters.Add(new NpgsqlParameter { Value = sum, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Count });
        return command;
    }

    private static float[]? Sum(IEnumerable<float[]?> vectors)
    {
        float[]? sum = null;
        foreach (var v in vectors)
        {
            if (v is null)
                continue;
            sum ??= new float[v.Length];
            if (v.Length > sum.Length)
                Array.Resize(ref sum, v.Length);
            for (int i = 0; i < v.Length; i++)
            {
                if (!float.IsNaN(v[i]))
                    sum[i] += v[i];
            }
        }
        return sum;
    }

    /// <summary>The strip keeps a track's best crop per slot of this much video time.</summary>
    public static readonly TimeSpan StripSlot = TimeSpan.FromSeconds(10);

    private static Task UpsertStripAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ObservationRow> fresh, CancellationToken cancellationToken)
    {
        var best = fresh.Where(r => r.Track is not null && !r.Person.Thumbnail.IsEmpty)
            .GroupBy(r => (r.Camera, r.Track!.Value, Slot: SlotStart(r.Time))).Select(g => (g.Key.Slot, Row: g.MaxBy(r => r.Person.Score)!)).ToList();
        if (best.Count == 0)
            return Task.CompletedTask;
        return connection.ExecuteAsync(new CommandDefinition(
            """
            insert into track_strip (camera_id, track_id, slot_start, capture_time, frame_seq, score, jpeg)
            select * from unnest(@cameras, @tracks, @slots, @times, @frames, @scores, @jpegs)
            on conflict (camera_id, track_id, slot_start) do update
                set capture_time = excluded.capture_time, frame_seq = excluded.frame_seq, score = excluded.score, jpeg = excluded.jpeg
            where excluded.score > track_strip.score
            """,
            new
            {
                cameras = best.Select(b => b.Row.Camera).ToArray(),
                tracks = best.Select(b => b.Row.Track!.Value).ToArray(),
                slots = best.Select(b => b.Slot).ToArray(),
                times = best.Select(b => b.Row.Time.UtcDateTime).ToArray(),
                frames = best.Select(b => b.Row.Frame).ToArray(),
                scores = best.Select(b => b.Row.Person.Score).ToArray(),
                jpegs = best.Select(b => b.Row.Person.Thumbnail.ToArray()).ToArray(),
            },
            transaction, cancellationToken: cancellationToken));
    }

    private static DateTime SlotStart(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % StripSlot.Ticks), DateTimeKind.Utc);

    private static Task UpsertThumbnailsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ObservationRow> fresh, CancellationToken cancellationToken)
    {
        var best = fresh.Where(r => r.Track is not null && !r.Person.Thumbnail.IsEmpty)
            .GroupBy(r => (r.Camera, r.Track!.Value)).Select(g => g.MaxBy(r => r.Person.Score)!).ToList();
        if (best.Count == 0)
            return Task.CompletedTask;
        // One statement for the batch; a track keeps its stored crop unless this one scores higher.
        return connection.ExecuteAsync(new CommandDefinition(
            """
            insert into thumbnails (camera_id, track_id, score, frame_seq, jpeg)
            select * from unnest(@cameras, @tracks, @scores, @frames, @jpegs)
            on conflict (camera_id, track_id) do update set score = excluded.score, frame_seq = excluded.frame_seq, jpeg = excluded.jpeg
            where excluded.score > thumbnails.score
            """,
            new
            {
                cameras = best.Select(r => r.Camera).ToArray(),
                tracks = best.Select(r => r.Track!.Value).ToArray(),
                scores = best.Select(r => r.Person.Score).ToArray(),
                frames = best.Select(r => r.Frame).ToArray(),
                jpegs = best.Select(r => r.Person.Thumbnail.ToArray()).ToArray(),
            },
            transaction, cancellationToken: cancellationToken));
    }
}
