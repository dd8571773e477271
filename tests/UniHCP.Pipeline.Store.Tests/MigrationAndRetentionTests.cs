using Dapper;
using Npgsql;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

public sealed class MigrationAndRetentionTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Migrations_from_empty_create_every_table_and_reapplying_changes_nothing()
    {
        // The fixture migrated once already; a second run applies nothing.
        Assert.Empty(await SchemaMigrator.MigrateAsync(_db.DataSource));
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var tables = (await connection.QueryAsync<string>("select tablename from pg_tables where schemaname = 'public'")).ToHashSet();
        foreach (string table in new[] { "cameras", "observations", "tracks", "identities", "identity_events", "thumbnails", "model_versions", "dead_letters", "attribute_names", "schema_migrations" })
            Assert.Contains(table, tables);
        var versions = (await connection.QueryAsync<int>("select version from schema_migrations")).ToList();
        Assert.Equal(SchemaMigrator.Scripts.Select(s => s.Version), versions.Order());
        Assert.Equal("p", await connection.ExecuteScalarAsync<string>("select relkind::text from pg_class where relname = 'observations'"));
    }

    [Fact]
    public async Task A_database_newer_than_the_program_is_refused()
    {
        await using (var connection = await _db.DataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("insert into schema_migrations (version, name) values (9999, 'from_the_future')");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SchemaMigrator.MigrateAsync(_db.DataSource));
        Assert.Contains("9999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_applied_script_is_recorded_with_its_checksum()
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var recorded = (await connection.QueryAsync<(int Version, string Checksum)>("select version, checksum from schema_migrations")).ToDictionary(r => r.Version, r => r.Checksum);
        foreach (var script in SchemaMigrator.Scripts)
            Assert.Equal(script.Checksum, recorded[script.Version]);
        Assert.All(SchemaMigrator.Scripts, s => Assert.Matches("^[0-9a-f]{64}$", s.Checksum));
    }

    [Fact]
    public async Task A_script_edited_after_it_was_applied_is_refused_naming_it()
    {
        var first = SchemaMigrator.Scripts[0];
        // What the database holds when it applied a different text of the script than the program carries now.
        string other = new SchemaMigrator.Script(first.Version, first.Name, first.Sql + "\n-- edited\n").Checksum;
        await using (var connection = await _db.DataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("update schema_migrations set checksum = @other where version = @version", new { other, version = first.Version });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SchemaMigrator.MigrateAsync(_db.DataSource));

        Assert.Contains(first.FileName, error.Message, StringComparison.Ordinal);
        Assert.Contains(other, error.Message, StringComparison.Ordinal);
        Assert.Contains("new migration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_migrated_before_checksums_gets_them_and_line_endings_do_not_count()
    {
        await using (var connection = await _db.DataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("update schema_migrations set checksum = null");

        Assert.Empty(await SchemaMigrator.MigrateAsync(_db.DataSource));

        await using (var connection = await _db.DataSource.OpenConnectionAsync())
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("select count(*) from schema_migrations where checksum is null"));
        var script = SchemaMigrator.Scripts[^1];
        Assert.Equal(script.Checksum, new SchemaMigrator.Script(script.Version, script.Name, script.Sql.Replace("\n", "\r\n", StringComparison.Ordinal)).Checksum);
    }

    [Fact]
    public async Task Retention_drops_only_partitions_older_than_the_age_and_keeps_tracks()
    {
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var writer = new TrackUpdateWriter(_db.DataSource);
        foreach (int daysAgo in new[] { 40, 31, 29, 0 })
            await writer.WriteAsync([Update("cam-r", daysAgo, now.AddDays(-daysAgo))]);
        await using (var setup = await _db.DataSource.OpenConnectionAsync())
        {
            await setup.ExecuteAsync("insert into track_gaps values ('cam-r', 40, 2, @old), ('cam-r', 0, 2, @recent)",
                new { old = now.AddDays(-40), recent = now });
        }

        var dropped = await Retention.DropOldPartitionsAsync(_db.DataSource, TimeSpan.FromDays(30), now);

        Assert.Equal(["observations_20261018", "observations_20261027"], dropped);
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var left = (await connection.QueryAsync<DateTime>("select capture_time from observations order by capture_time")).Select(t => (now - new DateTimeOffset(t, TimeSpan.Zero)).Days).ToList();
        Assert.Equal([29, 0], left);
        Assert.Equal(4, await connection.ExecuteScalarAsync<int>("select count(*) from tracks"));
        Assert.Equal([0L], await connection.QueryAsync<long>("select track_id from track_gaps"));
        // Running it again finds nothing more to drop.
        Assert.Empty(await Retention.DropOldPartitionsAsync(_db.DataSource, TimeSpan.FromDays(30), now));
    }

    private static TrackUpdate Update(string camera, long track, DateTimeOffset time)
    {
        var person = new PersonObservation(0, new BoundingBox(0, 0, 10, 20), 0.9f);
        return new TrackUpdate(camera, track, time, [new TrackState(track, TrackStatus.Confirmed, person.Box, 0, null)], [person], "test");
    }
}
