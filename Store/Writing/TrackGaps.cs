using Dapper;
using Npgsql;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>
/// Fills the frames in which a track was lost with interpolated observations once it is detected again. The frames
/// come from the tracker itself (a reported Lost state without a detection: the frame was analysed and the person
/// not found), so frames a source skips are never filled. A gap is filled only when the detections around it are
/// at most the configured time apart; a track that ends lost leaves its last frames empty (no detection after them
/// to interpolate towards). Runs inside the batch's transaction: idempotent like the rest of the writer.
/// </summary>
internal static class TrackGaps
{
    public static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<TrackUpdate> batch,
        IEnumerable<(string Camera, long Track, long Frame)> detected, TimeSpan upTo, CancellationToken cancellationToken)
    {
        var lost = batch.SelectMany(u => u.Tracks.Where(t => t.Status == TrackStatus.Lost && t.DetectionIndex is null)
            .Select(t => (u.CameraId, t.TrackId, u.FrameSequence, u.CaptureTime))).ToList();
        if (lost.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "insert into track_gaps select * from unnest(@cameras, @tracks, @frames, @times) on conflict do nothing",
                new
                {
                    cameras = lost.Select(l => l.CameraId).ToArray(),
                    tracks = lost.Select(l => l.TrackId).ToArray(),
                    frames = lost.Select(l => l.FrameSequence).ToArray(),
                    times = lost.Select(l => l.CaptureTime).ToArray(),
                },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        // Each track's latest detection in the batch closes the gaps before it.
        var latest = detected.GroupBy(d => (d.Camera, d.Track)).Select(g => (g.Key.Camera, g.Key.Track, Frame: g.Max(d => d.Frame))).ToList();
        if (latest.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                with closed as (
                    delete from track_gaps g using unnest(@cameras, @tracks, @frames) as k(camera_id, track_id, frame_seq)
                    where g.camera_id = k.camera_id and g.track_id = k.track_id and g.frame_seq < k.frame_seq
                    returning g.*
                ), spans as (
                    select c.camera_id, c.track_id, c.frame_seq, c.capture_time, b.model_version,
                           b.frame_seq as f0, b.x1 as ax1, b.y1 as ay1, b.x2 as ax2, b.y2 as ay2,
                           a.frame_seq as f1, a.x1 as bx1, a.y1 as by1, a.x2 as bx2, a.y2 as by2
                    from closed c
                    cross join lateral (
                        select o.frame_seq, o.capture_time, o.x1, o.y1, o.x2, o.y2, o.model_version from observations o
                        where o.camera_id = c.camera_id and o.capture_time between c.capture_time - @upTo and c.capture_time
                            and o.track_id = c.track_id and o.frame_seq < c.frame_seq and not o.interpolated
                        order by o.frame_seq desc limit 1) b
                    cross join lateral (
                        select o.frame_seq, o.capture_time, o.x1, o.y1, o.x2, o.y2 from observations o
                        where o.camera_id = c.camera_id and o.capture_time between c.capture_time and c.capture_time + @upTo
                            and o.track_id = c.track_id and o.frame_seq > c.frame_seq and not o.interpolated
                        order by o.frame_seq limit 1) a
                    where a.capture_time - b.capture_time <= @upTo
                )
                insert into observations (camera_id, frame_seq, det_index, capture_time, track_id, x1, y1, x2, y2, score, model_version, interpolated)
                select s.camera_id, s.frame_seq, (-1 - (s.track_id % 1000000000))::integer, s.capture_time, s.track_id,
                       s.ax1 + ((s.bx1 - s.ax1) * w), s.ay1 + ((s.by1 - s.ay1) * w), s.ax2 + ((s.bx2 - s.ax2) * w), s.ay2 + ((s.by2 - s.ay2) * w),
                       0, s.model_version, true
                from spans s cross join lateral (select (s.frame_seq - s.f0)::double precision / (s.f1 - s.f0) as w) as f
                on conflict do nothing
                """,
                new
                {
                    cameras = latest.Select(l => l.Camera).ToArray(),
                    tracks = latest.Select(l => l.Track).ToArray(),
                    frames = latest.Select(l => l.Frame).ToArray(),
                    upTo,
                },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        var ended = batch.SelectMany(u => u.Tracks.Where(t => t.Status == TrackStatus.Removed).Select(t => (u.CameraId, t.TrackId))).ToList();
        if (ended.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "delete from track_gaps g using unnest(@cameras, @tracks) as k(camera_id, track_id) where g.camera_id = k.camera_id and g.track_id = k.track_id",
                new { cameras = ended.Select(e => e.CameraId).ToArray(), tracks = ended.Select(e => e.TrackId).ToArray() },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }
}
