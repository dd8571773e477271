using Dapper;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Writing;
using Xunit;

namespace UniHCP.Pipeline.Store.Tests;

public sealed class RetentionBySizeTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static readonly DateTimeOffset Day0 = new(2026, 9, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_camera_past_its_budget_loses_its_oldest_days_first_and_nothing_newer_nor_of_other_cameras()
    {
        var writer = new TrackUpdateWriter(database.DataSource);
        for (int day = 0; day < 4; day++)
        {
            await WriteDayAsync(writer, "full-cam", day, frames: 200);
            await WriteDayAsync(writer, "calm-cam", day, frames: 50);
        }
        await using var connection = await database.DataSource.OpenConnectionAsync();
        var usage = await RetentionBySize.UsageAsync(connection);
        var full = usage["full-cam"].OrderBy(d => d.Key).ToList();
        Assert.Equal(4, full.Count);
        // Room for the two newest days (and a little): the two oldest must go, oldest first.
        long budget = full[2].Value + full[3].Value + 1024;
        var before = await CountsAsync(connection);

        var (removed, over) = await RetentionBySize.TrimAsync(database.DataSource, new Dictionary<string, long> { ["full-cam"] = budget }, defaultBudget: null);

        Assert.Empty(over);
        Assert.Equal([("full-cam", DateOnly.FromDateTime(Day0.UtcDateTime)), ("full-cam", DateOnly.FromDateTime(Day0.AddDays(1).UtcDateTime))], removed.Select(r => (r.Camera, r.Day)));
        // Per day: two tracks' best thumbnails and their strip crops (each track lives inside one 10 s slot).
        Assert.All(removed, r => Assert.Equal((200L, 4L), (r.Observations, r.Thumbnails)));
        var after = await CountsAsync(connection);
        foreach (var (key, count) in before)
        {
            bool gone = key.Camera == "full-cam" && key.Day < 2;
            Assert.Equal(gone ? 0 : count, after.GetValueOrDefault(key));
        }
        Assert.Equal(4, await connection.ExecuteScalarAsync<int>("select count(*) from thumbnails where camera_id = 'full-cam'"));
        Assert.Equal(4, await connection.ExecuteScalarAsync<int>("select count(*) from track_strip where camera_id = 'full-cam'"));
        Assert.Equal(8, await connection.ExecuteScalarAsync<int>("select count(*) from tracks where camera_id = 'full-cam'")); // tracks stay
        Assert.True((await RetentionBySize.UsageAsync(connection))["full-cam"].Values.Sum() <= budget);

        // A budget smaller than the newest day alone: everything older goes, the newest day stays and is reported.
        var (_, stillOver) = await RetentionBySize.TrimAsync(database.DataSource, new Dictionary<string, long>(), defaultBudget: 1);
        Assert.Equal(["calm-cam", "full-cam"], stillOver.Select(o => o.Camera).Order(StringComparer.Ordinal));
        Assert.Equal(200, await connection.ExecuteScalarAsync<int>("select count(*) from observations where camera_id = 'full-cam'"));
        Assert.Equal(50, await connection.ExecuteScalarAsync<int>("select count(*) from observations where camera_id = 'calm-cam'"));
    }

    // One day of a camera: two tracks of frames/2 observations each, 2 KB thumbnails.
    private static async Task WriteDayAsync(TrackUpdateWriter writer, string camera, int day, int frames)
    {
        var thumbnail = new byte[2048];
        new Random(day).NextBytes(thumbnail);
        var batch = new List<TrackUpdate>();
        for (int f = 0; f < frames; f++)
        {
            long track = (day * 10) + 1 + (f * 2 / frames);
            var person = new PersonObservation(0, new BoundingBox(10, 10, 40, 90), 0.5f + (f / (float)frames / 4), Thumbnail: thumbnail);
            batch.Add(new TrackUpdate(camera, (day * 100_000) + f, Day0.AddDays(day).AddSeconds(f / 10.0),
                [new TrackState(track, TrackStatus.Confirmed, person.Box, 0, null)], [person], "test"));
        }
        await writer.WriteAsync(batch);
    }

    private static async Task<Dictionary<(string Camera, int Day), long>> CountsAsync(Npgsql.NpgsqlConnection connection) =>
        (await connection.QueryAsync<(string Camera, DateTime Day, long Count)>("select camera_id, (capture_time at time zone 'UTC')::date, count(*) from observations group by 1, 2"))
        .ToDictionary(r => (r.Camera, (DateOnly.FromDateTime(r.Day).DayNumber - DateOnly.FromDateTime(Day0.UtcDateTime).DayNumber)), r => r.Count);
}
