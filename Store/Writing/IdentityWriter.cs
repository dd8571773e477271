using Dapper;
using Npgsql;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>
/// Stores identity events (idempotent on camera, track, time, kind and identity), keeps identities'
/// first and last sightings and each track's current identity; a merge moves every track of the
/// absorbed identity and marks it merged.
/// </summary>
public sealed class IdentityWriter(NpgsqlDataSource dataSource)
{
    public async Task<int> WriteAsync(IReadOnlyList<IdentityEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
            return 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        int added = 0;
        foreach (var e in events.OrderBy(e => e.Time))
        {
            int inserted = await connection.ExecuteAsync(new CommandDefinition(
                """
                insert into identity_events (camera_id, track_id, identity_id, kind, time, similarity, merged_from)
                values (@CameraId, @TrackId, @IdentityId, @kind, @Time, @similarity, @MergedFrom) on conflict do nothing
                """,
                new { e.CameraId, e.TrackId, e.IdentityId, kind = (short)e.Kind, e.Time, similarity = (float)e.Similarity, e.MergedFrom },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (inserted == 0)
                continue; // a replay
            added++;
            await connection.ExecuteAsync(new CommandDefinition(
                """
                insert into identities (id, first_seen, last_seen) values (@IdentityId, @Time, @Time)
                on conflict (id) do update set first_seen = least(identities.first_seen, excluded.first_seen), last_seen = greatest(identities.last_seen, excluded.last_seen);
                update tracks set identity_id = @IdentityId where camera_id = @CameraId and track_id = @TrackId;
                """,
                new { e.IdentityId, e.Time, e.CameraId, e.TrackId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (e.Kind == IdentityEventKind.Merged && e.MergedFrom is { } from)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    update tracks set identity_id = @IdentityId where identity_id = @from;
                    update identities set merged_into = @IdentityId where id = @from or merged_into = @from;
                    """,
                    new { e.IdentityId, from }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }
}
