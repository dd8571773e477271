using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>The identities stage's remembered pairs of people seen together, per camera and weights version.</summary>
public sealed class CalibrationPairStoreTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Pairs_are_kept_per_camera_and_weights_version_and_a_save_replaces_them_whole()
    {
        var store = new CalibrationPairStore(_db.DataSource);
        Assert.Null(await store.LoadAsync("hall", "v1", CancellationToken.None));

        await store.SaveAsync("hall", "v1", new StoredCalibrationPairs(1536, [0.25f, -0.5f, 0.875f]), CancellationToken.None);
        await store.SaveAsync("door", "v1", new StoredCalibrationPairs(1536, [0.5f]), CancellationToken.None);
        var hall = await store.LoadAsync("hall", "v1", CancellationToken.None);
        Assert.NotNull(hall);
        Assert.Equal(1536, hall.EmbeddingLength);
        Assert.Equal([0.25f, -0.5f, 0.875f], hall.Similarities);
        Assert.Null(await store.LoadAsync("hall", "v2", CancellationToken.None)); // other weights learn anew

        await store.SaveAsync("hall", "v1", new StoredCalibrationPairs(1536, [0.125f, 0.25f]), CancellationToken.None);
        var replaced = await store.LoadAsync("hall", "v1", CancellationToken.None);
        var door = await store.LoadAsync("door", "v1", CancellationToken.None);
        Assert.Equal([0.125f, 0.25f], replaced!.Similarities);
        Assert.Equal([0.5f], door!.Similarities);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SaveAsync("hall", "v1", new StoredCalibrationPairs(0, [0.5f]), CancellationToken.None));
    }
}
