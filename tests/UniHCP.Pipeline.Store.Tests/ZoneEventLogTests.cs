using Dapper;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Writing;
using Xunit;

namespace UniHCP.Pipeline.Store.Tests;

public sealed class ZoneEventLogTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);

    private static CameraGeometry Geometry(double x) => new()
    {
        Lines = [new LineGeometry { Name = "door", From = new PixelPoint(x, 0), To = new PixelPoint(x, 100) }],
        Zones = [new ZoneGeometry { Name = "desk", Points = [new(0, 0), new(50, 0), new(50, 50)], DwellThreshold = TimeSpan.FromSeconds(30) }],
    };

    [Fact]
    public async Task Geometry_gets_a_new_version_when_it_changes_an_api_edit_outlives_an_unchanged_configuration_and_every_version_stays_readable()
    {
        var log = new ZoneEventLog(database.DataSource);
        async Task<(int Version, double X)> Latest(string camera)
        {
            var g = (await log.LatestGeometryAsync(default))[camera];
            return (g.Version, g.Lines[0].From.X);
        }
        await log.RecordConfiguredGeometryAsync("geo-cam", Geometry(10), default);
        await log.RecordConfiguredGeometryAsync("geo-cam", Geometry(10), default);
        Assert.Equal((1, 10.0), await Latest("geo-cam"));
        Assert.Equal(2, await log.RecordEditedGeometryAsync("geo-cam", Geometry(20), default));
        Assert.Equal(2, await log.RecordEditedGeometryAsync("geo-cam", Geometry(20), default));
        await log.RecordConfiguredGeometryAsync("geo-cam", Geometry(10), default); // a restart with the same configuration
        Assert.Equal((2, 20.0), await Latest("geo-cam"));
        await log.RecordConfiguredGeometryAsync("geo-cam", Geometry(30), default); // the configuration was edited: it wins
        Assert.Equal((3, 30.0), await Latest("geo-cam"));
        await log.RecordConfiguredGeometryAsync("other-cam", Geometry(20), default);
        Assert.Equal((1, 20.0), await Latest("other-cam"));
        var first = await log.GeometryAsync("geo-cam", 1, default);
        Assert.Equal((1, 10.0, TimeSpan.FromSeconds(30)), (first!.Version, first.Lines[0].From.X, first.Zones[0].DwellThreshold!.Value));
        Assert.Null(await log.GeometryAsync("nobody", null, default));
    }

    [Fact]
    public async Task Events_are_stored_once_however_often_they_are_committed_and_the_checkpoint_is_replaced()
    {
        var log = new ZoneEventLog(database.DataSource);
        var events = new List<ZoneEvent>
        {
            new("log-cam", 5, Start.AddSeconds(0.5), ZoneEventKind.Enter, "desk", 1, 7, 70, TimeSpan.Zero, 1),
            new("log-cam", 25, Start.AddSeconds(2.5), ZoneEventKind.Exit, "desk", 1, 7, null, TimeSpan.FromSeconds(2), 0),
            new("log-cam", 30, Start.AddSeconds(3), ZoneEventKind.LineIn, "door", 1, 7, 70, TimeSpan.Zero, 0),
        };
        Assert.Equal(3, await log.CommitAsync(events, [new ZoneEventCheckpoint("log-cam", 30, 1, "{\"LastFrame\":30}")], default));
        Assert.Equal(0, await log.CommitAsync(events, [new ZoneEventCheckpoint("log-cam", 40, 1, "{\"LastFrame\":40}")], default));
        var checkpoint = (await log.LoadCheckpointsAsync(default))["log-cam"];
        Assert.Equal((40L, 1), (checkpoint.LastFrame, checkpoint.GeometryVersion));
        Assert.Contains("40", checkpoint.State, StringComparison.Ordinal);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        Assert.Equal(3, await connection.ExecuteScalarAsync<int>("select count(*) from zone_events where camera_id = 'log-cam'"));
        Assert.Equal(TimeSpan.FromSeconds(2), await connection.ExecuteScalarAsync<TimeSpan>("select duration from zone_events where camera_id = 'log-cam' and kind = 1"));
    }

    [Fact]
    public async Task Counts_are_bucketed_per_zone_and_line_and_dwell_is_summarised_from_exits()
    {
        var log = new ZoneEventLog(database.DataSource);
        var events = new List<ZoneEvent>();
        for (int i = 0; i < 10; i++)
        {
            // One crossing in and one visit of i + 1 seconds every 20 s: buckets of a minute hold 3, 3, 3 and 1.
            var t = Start.AddSeconds(20 * i);
            events.Add(new("count-cam", i * 200, t, ZoneEventKind.LineIn, "door", 1, i, null, TimeSpan.Zero, 0));
            events.Add(new("count-cam", (i * 200) + 1, t.AddSeconds(1), ZoneEventKind.Enter, "desk", 1, i, null, TimeSpan.Zero, 1 + (i % 2)));
            events.Add(new("count-cam", (i * 200) + 2, t.AddSeconds(2 + i), ZoneEventKind.Exit, "desk", 1, i, null, TimeSpan.FromSeconds(1 + i), 0));
        }
        events.Add(new("count-cam", 5000, Start.AddSeconds(30), ZoneEventKind.LineOut, "door", 1, 99, null, TimeSpan.Zero, 0));
        await log.CommitAsync(events, [], default);
        var window = new TimeWindow(Start, Start.AddMinutes(10), ["count-cam"]);
        var queries = new CountQueries(database.DataSource);
        var counts = await queries.CountsAsync(window, TimeSpan.FromMinutes(1));
        var door = counts.Where(c => c.Geometry == "door").ToList();
        Assert.Equal([3, 3, 3, 1], door.Select(c => c.In));
        Assert.Equal([1, 0, 0, 0], door.Select(c => c.Out));
        Assert.Equal(Start, door[0].Bucket);
        var desk = counts.Where(c => c.Geometry == "desk").ToList();
        Assert.Equal(10, desk.Sum(c => c.Enter));
        Assert.Equal(10, desk.Sum(c => c.Exit));
        Assert.Equal(2, desk[0].PeakOccupancy);
        var dwell = Assert.Single(await queries.DwellAsync(window));
        Assert.Equal(("desk", 10, 6.0, 10.0, 10.0), (dwell.Zone, dwell.Visits, dwell.MedianSeconds, dwell.P90Seconds, dwell.MaxSeconds));
        Assert.Equal([4, 5, 1], dwell.Histogram.Take(3).Select(b => b.Visits));
        await Assert.ThrowsAsync<QueryValidationException>(() => queries.CountsAsync(window, TimeSpan.FromMilliseconds(10)));
    }
}
