using Dapper;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>Each camera's ignore areas, versioned: the configuration's when they change, operators' edits, the latest in force.</summary>
public sealed class IgnoreAreaStoreTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task The_configuration_is_recorded_when_it_changes_an_edit_wins_until_it_does_and_an_empty_list_removes()
    {
        var store = new IgnoreAreaStore(_db.DataSource);
        Assert.Null(await store.ForCameraAsync("hall", CancellationToken.None));
        var sign = Square("sign", 28, 130, 16);

        await store.RecordConfiguredAsync(new Dictionary<string, IReadOnlyList<IgnoreArea>> { ["hall"] = [sign] }, CancellationToken.None);
        await store.RecordConfiguredAsync(new Dictionary<string, IReadOnlyList<IgnoreArea>> { ["hall"] = [sign] }, CancellationToken.None); // a restart: unchanged
        var first = await store.ForCameraAsync("hall", CancellationToken.None);
        Assert.Equal((1, "config"), (first!.Version, first.Source));
        Assert.Equal("sign", Assert.Single(first.Areas).Name);
        Assert.Equal([28.0, 44.0, 44.0, 28.0], first.Areas[0].Points.Select(p => p.X));

        // The operator adds a mannequin; a restart with the same configuration leaves the edit in force.
        Assert.Equal(2, await store.RecordEditedAsync("hall", [sign, Square("mannequin", 300, 200, 40)], CancellationToken.None));
        Assert.Equal(2, await store.RecordEditedAsync("hall", [sign, Square("mannequin", 300, 200, 40)], CancellationToken.None));
        await store.RecordConfiguredAsync(new Dictionary<string, IReadOnlyList<IgnoreArea>> { ["hall"] = [sign] }, CancellationToken.None);
        Assert.Equal(["sign", "mannequin"], (await store.ForCameraAsync("hall", CancellationToken.None))!.Areas.Select(a => a.Name));

        // A camera the configuration does not name keeps its areas (another process may configure it); [] removes them.
        await store.RecordConfiguredAsync(new Dictionary<string, IReadOnlyList<IgnoreArea>> { ["door"] = [sign] }, CancellationToken.None);
        Assert.Equal(2, (await store.ForCameraAsync("hall", CancellationToken.None))!.Areas.Count);
        await store.RecordConfiguredAsync(new Dictionary<string, IReadOnlyList<IgnoreArea>> { ["hall"] = [] }, CancellationToken.None);
        var latest = await store.LatestAsync(CancellationToken.None);
        Assert.Equal(["door", "hall"], latest.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((3, "config", 0), (latest["hall"].Version, latest["hall"].Source, latest["hall"].Areas.Count));
        Assert.Single(latest["door"].Areas);
    }

    [Fact]
    public async Task A_row_that_does_not_read_as_areas_is_reported_without_areas_and_the_others_still_read()
    {
        var store = new IgnoreAreaStore(_db.DataSource);
        await store.RecordEditedAsync("lobby", [Square("sign", 10, 10, 20)], CancellationToken.None);
        await using (var connection = await _db.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                insert into camera_ignore_areas (camera_id, version, areas, source) values
                  ('gate', 1, '{"Name": "not a list"}', 'api'),
                  ('yard', 1, '[{"Name": "flat", "Points": [{"X": 0, "Y": 0}, {"X": 5, "Y": 5}, {"X": 9, "Y": 9}]}]', 'api')
                """);
        }

        var latest = await store.LatestAsync(CancellationToken.None);

        Assert.Single(latest["lobby"].Areas);
        Assert.Null(latest["lobby"].Problem);
        Assert.Empty(latest["gate"].Areas);
        Assert.Contains("camera 'gate', ignore areas version 1: not a list of areas", latest["gate"].Problem, StringComparison.Ordinal);
        Assert.Empty(latest["yard"].Areas);
        Assert.Contains("ignore area 'flat': the polygon has no area", latest["yard"].Problem, StringComparison.Ordinal);
    }

    private static IgnoreArea Square(string name, double x, double y, double side) =>
        new() { Name = name, Points = [new(x, y), new(x + side, y), new(x + side, y + side), new(x, y + side)] };
}
