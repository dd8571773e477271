using Dapper;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Tests;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>`unihcp db index` on a real PostgreSQL: a store left with pending tracks and no per-camera indexes (as a
/// pipeline stopped before its store stage caught up leaves it) ends fully indexed.</summary>
public sealed class DbIndexCommandTests(TestDatabase database) : IClassFixture<TestDatabase>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-db-index-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Indexes_every_pending_track_builds_each_cameras_index_and_a_second_run_finds_nothing_to_do()
    {
        var writer = new TrackUpdateWriter(database.DataSource);
        foreach (string camera in new[] { "door", "till" })
        {
            var states = Enumerable.Range(1, 5).Select(t => new TrackState(t, TrackStatus.Confirmed, new BoundingBox(0, 0, 10, 20), t - 1, null)).ToList();
            var persons = Enumerable.Range(1, 5).Select(t => new PersonObservation(t - 1, new BoundingBox(0, 0, 10, 20), 0.9f, Embedding: new float[] { t, 1, camera.Length })).ToList();
            await writer.WriteAsync([new TrackUpdate(camera, 1, new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero), states, persons, "test")]);
        }
        string config = Config();

        var (code, output, error) = await CliRunner.RunAsync("db", "index", "--config", config, "--batch", "3");

        Assert.True(code == 0, output + error);
        Assert.Contains("10 track(s) wait for the similarity index.", output, StringComparison.Ordinal);
        Assert.Contains("Indexed 10 track(s)", output, StringComparison.Ordinal);
        Assert.Contains("Building 2 per-camera similarity index(es)", output, StringComparison.Ordinal);
        Assert.Contains("Built 2 in", output, StringComparison.Ordinal);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("select count(*) from track_embeddings where indexed_n <> unit_n"));
        Assert.Equal(["door", "till"], await connection.QueryAsync<string>("select id from cameras where camera_embedding_index_valid(3, id) order by id"));

        (code, output, error) = await CliRunner.RunAsync("db", "index", "--config", config);

        Assert.True(code == 0, output + error);
        Assert.Contains("Indexed 0 track(s)", output, StringComparison.Ordinal);
        Assert.Contains("Every camera has its own similarity index.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_out_of_range_is_refused_with_its_range()
    {
        var (code, _, error) = await CliRunner.RunAsync("db", "index", "--config", Config(), "--batch", "0");

        Assert.NotEqual(0, code);
        Assert.Contains("--batch must be 1-100000 (got 0).", error, StringComparison.Ordinal);
    }

    private string Config()
    {
        string path = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(path, $$"""{ "Store": { "ConnectionString": "{{database.ConnectionString}}" } }""");
        return path;
    }
}
