using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Tests;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Tests.Support;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>`unihcp query counts|dwell` and `unihcp eval counts`: the operator's view of zone and line events.</summary>
public sealed class EventsCommandTests(TestDatabase database) : IClassFixture<TestDatabase>, IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-counts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string extra = "")
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, $$"""{ "Store": { "ConnectionString": "{{database.ConnectionString}}" }{{extra}} }""");
        return path;
    }

    [Fact]
    public async Task Counts_print_per_bucket_as_a_table_or_csv_and_a_bad_bucket_is_refused_by_name()
    {
        var events = Enumerable.Range(0, 6).SelectMany(i => new[]
        {
            new ZoneEvent("lobby", i * 100, Start.AddMinutes(i * 20), ZoneEventKind.LineIn, "entrance", 1, i + 1, null, TimeSpan.Zero, 0),
            new ZoneEvent("lobby", (i * 100) + 50, Start.AddMinutes((i * 20) + 5), ZoneEventKind.LineOut, "entrance", 1, i + 1, null, TimeSpan.Zero, 0),
            new ZoneEvent("lobby", (i * 100) + 60, Start.AddMinutes((i * 20) + 6), ZoneEventKind.Exit, "desk", 1, i + 1, null, TimeSpan.FromSeconds(40 + i), 0),
        }).ToList();
        await new ZoneEventLog(database.DataSource).CommitAsync(events, [], default);
        string config = Config();
        string[] window = ["--from", "2026-11-21T09:00:00Z", "--to", "2026-11-21T12:00:00Z", "--camera", "lobby"];

        var (code, output, error) = await CliRunner.RunAsync(["query", "counts", "--bucket", "1h", "--csv", "--config", config, .. window]);
        Assert.True(code == 0, error);
        var lines = output.Trim().Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal("bucket,camera,geometry,in,out,enter,exit,dwell,crowding,peak_occupancy", lines[0]); // the API's CSV
        Assert.Contains("2026-11-21T09:00:00Z,lobby,entrance,3,3,0,0,0,0,0", lines);
        Assert.Contains("2026-11-21T10:00:00Z,lobby,entrance,3,3,0,0,0,0,0", lines);
        Assert.Contains("2026-11-21T09:00:00Z,lobby,desk,0,0,0,3,0,0,0", lines);

        (code, output, error) = await CliRunner.RunAsync(["query", "dwell", "--config", config, .. window]);
        Assert.True(code == 0, error);
        Assert.Contains("desk", output, StringComparison.Ordinal);
        Assert.Contains("30-60s:6", output, StringComparison.Ordinal);

        (code, _, error) = await CliRunner.RunAsync(["query", "counts", "--bucket", "soon", "--config", config, .. window]);
        Assert.Equal(2, code);
        Assert.Contains("--bucket 'soon'", error, StringComparison.Ordinal);
    }

    [SharedDataFact]
    public async Task Counts_from_one_teachers_labels_of_the_sample_cross_the_walkway_line_in_both_directions_and_mixed_sources_are_refused()
    {
        string example = Path.Combine(RepositoryRoot(), "docs", "examples", "events-sample.json");
        string labels = Path.Combine(SharedData.Root, "vtest-teacher", "vtest_teacher_0-599.json");
        // Teacher scores run lower than the model's (median 0.46): let its boxes start tracks.
        string merged = Path.Combine(_dir, "merged.json");
        File.WriteAllText(merged, File.ReadAllText(example).TrimEnd().TrimEnd('}') + """, "Tracking": { "Camera": { "HighScore": 0.4, "NewTrackScore": 0.4 } } }""");
        // The file holds each person twice (CenterNet's box and MoveNet's): counting both would count every crossing twice.
        var (code, output, error) = await CliRunner.RunAsync("eval", "counts", "--coco", labels, "--camera", "sample", "--config", merged);
        Assert.Equal(2, code);
        Assert.Contains("mixes annotation sources (centernet 4900, movenet 3025)", error, StringComparison.Ordinal);
        (code, _, error) = await CliRunner.RunAsync("eval", "counts", "--coco", labels, "--camera", "sample", "--config", merged, "--source", "yolo");
        Assert.Equal(2, code);
        Assert.Contains("--source 'yolo'", error, StringComparison.Ordinal);

        (code, output, error) = await CliRunner.RunAsync("eval", "counts", "--coco", labels, "--camera", "sample", "--config", merged, "--source", "centernet");
        Assert.True(code == 0, error);
        Assert.Contains("from centernet", output, StringComparison.Ordinal);
        var walkway = output.Split('\n').Single(l => l.StartsWith("walkway", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(int.Parse(walkway[1], System.Globalization.CultureInfo.InvariantCulture) >= 3, output);
        Assert.True(int.Parse(walkway[2], System.Globalization.CultureInfo.InvariantCulture) >= 3, output);
        Assert.Contains("600 frames (every 1)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Geometry_that_is_not_a_simple_polygon_is_refused_naming_the_camera_and_the_zone()
    {
        string config = Config("""
            , "Events": { "Cameras": { "lobby": { "Zones": [ { "Name": "bowtie", "Points": [ { "X": 0, "Y": 0 }, { "X": 100, "Y": 100 }, { "X": 100, "Y": 0 }, { "X": 0, "Y": 100 } ] } ] } } }
            """);
        string labels = Path.Combine(_dir, "labels.json");
        File.WriteAllText(labels, """{ "images": [], "annotations": [], "categories": [ { "id": 1, "name": "person" } ] }""");
        var (code, _, error) = await CliRunner.RunAsync("eval", "counts", "--coco", labels, "--camera", "lobby", "--config", config);
        Assert.Equal(2, code);
        Assert.Contains("camera 'lobby', zone 'bowtie'", error, StringComparison.Ordinal);
        Assert.Contains("crosses itself", error, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "UniHCP.Pipeline.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("The repository root (UniHCP.Pipeline.sln) is not above the test's folder.");
    }
}
