using Dapper;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>Track id blocks reserved in the database: tracking processes that share or hand over cameras never give one
/// id twice.</summary>
public sealed class TrackIdBlocksTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Concurrent_reservations_get_disjoint_blocks_and_the_first_starts_above_the_stored_tracks()
    {
        await using (var connection = await _db.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                "insert into tracks (camera_id, track_id, first_seen, last_seen, status, n, best_score) values ('hall', 41, now(), now(), 1, 1, 0.9)");
        }
        var blocks = new TrackIdBlocks(_db.DataSource);

        var firsts = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => blocks.ReserveAsync("hall", 100, CancellationToken.None)));
        long door = await blocks.ReserveAsync("door", 100, CancellationToken.None);

        Assert.Equal(42, firsts.Min()); // above the stored track 41
        Assert.Equal(Enumerable.Range(0, 16).Select(i => 42L + (100 * i)), firsts.Order());
        Assert.Equal(1, door); // cameras count on their own
    }
}
