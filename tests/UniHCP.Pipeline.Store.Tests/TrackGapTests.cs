using Dapper;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>Frames in which a track was lost are filled with interpolated observations once it is detected again.</summary>
public sealed class TrackGapTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = SeedData.T0;
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task A_lost_spell_is_filled_linearly_and_flagged_and_a_replay_changes_nothing()
    {
        // Track 1 detected at frames 1-2 moving 10 px a frame, lost at 3-5, detected at 6; frame 7 is skipped by the
        // source (no update at all), frame 8 detected: only the lost frames are filled.
        var updates = new List<TrackUpdate> { Seen(1, 1, 0), Seen(2, 1, 10), Lost(3, 1), Lost(4, 1), Lost(5, 1), Seen(6, 1, 50), Seen(8, 1, 70) };
        var writer = new TrackUpdateWriter(_db.DataSource, TimeSpan.FromSeconds(2));
        await writer.WriteAsync(updates.Take(4).ToList());
        await writer.WriteAsync(updates.Skip(4).ToList());
        await writer.WriteAsync(updates); // a replay of everything

        var path = await new TrackQueries(_db.DataSource).PathAsync("cam-g", 1);
        Assert.Equal([1L, 2, 3, 4, 5, 6, 8], path.Select(p => p.FrameSequence));
        Assert.Equal([false, false, true, true, true, false, false], path.Select(p => p.Interpolated));
        Assert.Equal([0f, 10, 20, 30, 40, 50, 70], path.Select(p => MathF.Round(p.X1, 3)));
        Assert.Equal(T0.AddSeconds(0.3), path[3].CaptureTime); // frame 4: the lost frame's own time
        Assert.Equal(0f, path[3].Score);
        Assert.Equal([1L, 2, 6, 8], (await new TrackQueries(_db.DataSource).PathAsync("cam-g", 1, detectionsOnly: true)).Select(p => p.FrameSequence));
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("select count(*) from track_gaps"));
        Assert.Equal(4, await connection.ExecuteScalarAsync<int>("select n from tracks where track_id = 1")); // detections only
    }

    [Fact]
    public async Task A_spell_longer_than_the_limit_and_a_track_that_ends_lost_are_not_filled()
    {
        var writer = new TrackUpdateWriter(_db.DataSource, TimeSpan.FromSeconds(0.5));
        // Track 2: lost for 0.6 s (frames 2-7 at 0.1 s), then found: longer than the limit. Track 3: lost at 2-3, then removed.
        var updates = new List<TrackUpdate> { Seen(1, 2, 0), Seen(1, 3, 0, camera: "cam-h") };
        updates.AddRange(Enumerable.Range(2, 6).Select(f => Lost(f, 2)));
        updates.Add(Seen(8, 2, 80));
        updates.AddRange([Lost(2, 3, camera: "cam-h"), Lost(3, 3, camera: "cam-h"), Ended(4, 3, camera: "cam-h")]);

        await writer.WriteAsync(updates);

        await using var connection = await _db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("select count(*) from observations where interpolated"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("select count(*) from track_gaps"));
    }

    [Fact]
    public async Task Without_the_option_nothing_is_filled()
    {
        await new TrackUpdateWriter(_db.DataSource).WriteAsync([Seen(1, 4, 0), Lost(2, 4), Seen(3, 4, 20)]);
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("select count(*) from observations"));
    }

    private static TrackUpdate Seen(long frame, long track, float x, string camera = "cam-g")
    {
        var person = new PersonObservation(0, new BoundingBox(x, 10, x + 20, 60), 0.9f);
        return new TrackUpdate(camera, frame, Time(frame), [new TrackState(track, TrackStatus.Confirmed, person.Box, 0, null)], [person], "model-g");
    }

    private static TrackUpdate Lost(long frame, long track, string camera = "cam-g") =>
        new(camera, frame, Time(frame), [new TrackState(track, TrackStatus.Lost, new BoundingBox(0, 0, 1, 1), null, null)], [], "model-g");

    private static TrackUpdate Ended(long frame, long track, string camera) =>
        new(camera, frame, Time(frame), [new TrackState(track, TrackStatus.Removed, new BoundingBox(0, 0, 1, 1), null, null)], [], "model-g");

    private static DateTimeOffset Time(long frame) => T0.AddSeconds((frame - 1) * 0.1);
}
