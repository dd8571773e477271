using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>A test database holding <see cref="SeedData"/> (written in several batches, as the pipeline would) and its identity events.</summary>
public sealed class SeededDatabase : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Npgsql.NpgsqlDataSource DataSource => _db.DataSource;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        var writer = new TrackUpdateWriter(_db.DataSource);
        foreach (var batch in SeedData.Updates().Chunk(25))
            await writer.WriteAsync(batch);
        var events = SeedData.Appearances.Where(a => a.Identity is not null)
            .Select(a => new IdentityEvent(a.Camera, a.Track, a.Identity!.Value, IdentityEventKind.Assigned, SeedData.T0.AddSeconds(a.StartSecond), 0.9))
            .ToList();
        await new IdentityWriter(_db.DataSource).WriteAsync(events);
    }

    public Task DisposeAsync() => _db.DisposeAsync();
}
