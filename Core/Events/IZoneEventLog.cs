using UniHCP.Pipeline.Core.Geometry;

namespace UniHCP.Pipeline.Core.Events;

/// <summary>The events stage's saved place for one camera: the last frame it applied, the geometry version it counted
/// with, and its detector's state (JSON, opaque to the store).</summary>
public sealed record ZoneEventCheckpoint(string CameraId, long LastFrame, int GeometryVersion, string State);

/// <summary>
/// Where the events stage keeps what it computed: events stored once by their key, and its checkpoints written in the
/// same transaction as the events they cover, so that a restarted stage resumes from a state that matches what is stored.
/// </summary>
public interface IZoneEventLog
{
    /// <summary>Records the configured <paramref name="geometry"/> of a camera: a new version when it differs from the
    /// last configured one (an edited configuration wins), else nothing (an edit made through the API since then stays).</summary>
    Task RecordConfiguredGeometryAsync(string cameraId, CameraGeometry geometry, CancellationToken cancellationToken);

    /// <summary>Every camera's latest geometry, with its <see cref="CameraGeometry.Version"/> set.</summary>
    Task<IReadOnlyDictionary<string, CameraGeometry>> LatestGeometryAsync(CancellationToken cancellationToken);

    /// <summary>Every camera's checkpoint.</summary>
    Task<IReadOnlyDictionary<string, ZoneEventCheckpoint>> LoadCheckpointsAsync(CancellationToken cancellationToken);

    /// <summary>Stores the events (a key already stored is skipped) and replaces the checkpoints, in one transaction.
    /// Returns how many events were new.</summary>
    Task<int> CommitAsync(IReadOnlyList<ZoneEvent> events, IReadOnlyList<ZoneEventCheckpoint> checkpoints, CancellationToken cancellationToken);
}
