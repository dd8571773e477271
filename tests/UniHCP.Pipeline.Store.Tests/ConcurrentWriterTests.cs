using Dapper;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

public sealed class ConcurrentWriterTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Writers_in_parallel_that_open_the_same_new_days_all_succeed()
    {
        // Eight writers (as the store stage runs them, cameras split between them), released together
        // onto the same new days, one small batch per day: each partition is created once and every
        // row lands.
        const int Writers = 8, Days = 12, Frames = 5;
        var writers = Enumerable.Range(0, Writers).Select(_ => new TrackUpdateWriter(_db.DataSource)).ToList();
        using var gate = new Barrier(Writers);
        var tasks = writers.Select((writer, w) => Task.Run(async () =>
        {
            for (int day = 0; day < Days; day++)
            {
                var updates = Enumerable.Range(0, Frames).Select(f =>
                {
                    var person = new PersonObservation(0, new BoundingBox(0, 0, 10, 20), 0.9f, Embedding: new float[] { 1, 2, 3 });
                    return new TrackUpdate($"cam-{w}", (day * 100) + f, SeedData.T0.AddDays(day).AddSeconds(f), [new TrackState(day + 1, TrackStatus.Confirmed, person.Box, 0, null)], [person], "test");
                }).ToList();
                gate.SignalAndWait(TimeSpan.FromSeconds(30));
                try
                {
                    await writer.WriteAsync(updates);
                }
                catch
                {
                    gate.RemoveParticipant(); // let the others go on rather than wait for this one
                    throw;
                }
            }
        })).ToArray();

        await Task.WhenAll(tasks);

        await using var connection = await _db.DataSource.OpenConnectionAsync();
        Assert.Equal(Writers * Days * Frames, await connection.ExecuteScalarAsync<int>("select count(*) from observations"));
        Assert.Equal(Days, await connection.ExecuteScalarAsync<int>("select count(*) from pg_inherits where inhparent = 'observations'::regclass"));
        Assert.Equal(Frames, await connection.ExecuteScalarAsync<int>("select min(n) from tracks"));
    }
}
