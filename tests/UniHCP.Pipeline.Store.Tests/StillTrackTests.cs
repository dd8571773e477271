using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>Still tracks: long, with a foot point that hardly moves (a sign the detector takes for a person), found;
/// a walker, a short still track and one moment of a passer-by on the sign do not change that.</summary>
public sealed class StillTrackTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Long_tracks_whose_foot_point_stays_put_are_found_with_where_they_stand()
    {
        var updates = new List<TrackUpdate>();
        for (int f = 0; f < 300; f++) // 30 s at 10 frames/s
        {
            var people = new List<(long Track, BoundingBox Box)>
            {
                // The sign: 14x34 px, its foot at (36, 138) give or take a pixel; at frame 100 a passer-by's box for a moment.
                (1, f == 100 ? new BoundingBox(60, 90, 90, 170) : new BoundingBox(29 + (f % 2), 104, 43 + (f % 2), 138)),
                (2, new BoundingBox(100 + f, 200, 130 + f, 290)), // a walker, 1 px a frame
            };
            if (f < 50)
                people.Add((3, new BoundingBox(400, 100, 430, 190))); // still, but for 5 s only
            updates.Add(Update(f, people));
        }
        await new TrackUpdateWriter(_db.DataSource).WriteAsync(updates);

        var still = await new StillTrackQueries(_db.DataSource).FindAsync(
            new TimeWindow(SeedData.T0.AddHours(-1), SeedData.T0.AddHours(1)), TimeSpan.FromSeconds(20), maxSpread: 0.2);

        var sign = Assert.Single(still);
        Assert.Equal(("cam-s", 1L, 300), (sign.CameraId, sign.TrackId, sign.Observations));
        Assert.Equal(36.5, sign.FootX, 0.6);
        Assert.Equal(138, sign.FootY, 0.01);
        Assert.True(sign.Spread <= 1.01, $"spread {sign.Spread}");
        Assert.Equal(34, sign.Height, 0.01);
        Assert.Equal(TimeSpan.FromSeconds(29.9), sign.Duration);

        // The suggested ignore area: a square around the sign's foot point.
        var area = Assert.Single(StillTrackQueries.SuggestAreas(still)["cam-s"]);
        Assert.Equal("still 1", area.Name);
        Assert.Equal([new(29, 130), new(45, 130), new(45, 146), new(29, 146)], area.Points.Select(p => new Core.Geometry.PixelPoint(Math.Round(p.X), Math.Round(p.Y))));

        // Shorter tracks count with a lower minimum duration; bad limits are refused with the parameter named.
        var window = new TimeWindow(SeedData.T0.AddHours(-1), SeedData.T0.AddHours(1));
        Assert.Equal([1L, 3], (await new StillTrackQueries(_db.DataSource).FindAsync(window, TimeSpan.FromSeconds(4), 0.2)).Select(t => t.TrackId));
        var bad = await Assert.ThrowsAsync<QueryValidationException>(() => new StillTrackQueries(_db.DataSource).FindAsync(window, TimeSpan.FromSeconds(20), 0));
        Assert.Equal("maxSpread", bad.Parameter);
    }

    private static TrackUpdate Update(int frame, List<(long Track, BoundingBox Box)> people)
    {
        var persons = people.Select((p, i) => new PersonObservation(i, p.Box, 0.9f)).ToList();
        var states = people.Select((p, i) => new TrackState(p.Track, TrackStatus.Confirmed, p.Box, i, null)).ToList();
        return new TrackUpdate("cam-s", frame, SeedData.T0.AddSeconds(frame * 0.1), states, persons, "model-s");
    }
}
