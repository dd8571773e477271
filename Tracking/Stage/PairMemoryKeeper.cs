using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Tracking.CrossCamera;

namespace UniHCP.Pipeline.Tracking.Stage;

/// <summary>
/// The identities stage's side of <see cref="ICalibrationMemory"/>: recalls a camera's remembered pairs on its first
/// update (for the weights that update names), and saves the camera's sample every <see cref="SaveEvery"/> of its video
/// and when its input ends. A memory that fails or holds unusable pairs is logged and worked around, never fatal: the
/// run then learns from its own pairs, as without memory.
/// </summary>
internal sealed class PairMemoryKeeper(ICalibrationMemory memory, IdentityService identities, ILogger logger)
{
    /// <summary>How much of a camera's video passes between saves (a crash loses at most this much of its pairs).</summary>
    public static readonly TimeSpan SaveEvery = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, CameraState> _cameras = new(StringComparer.Ordinal);

    private sealed class CameraState(string version, DateTimeOffset time)
    {
        public string Version { get; } = version;
        public DateTimeOffset LastSave { get; set; } = time;
        public float[]? Saved { get; set; }
        public bool VersionChanged { get; set; }
    }

    /// <summary>Before a camera's update is observed: on its first one, adds its remembered pairs.</summary>
    public async Task BeforeAsync(string cameraId, string modelVersion, DateTimeOffset time, CancellationToken cancellationToken)
    {
        if (_cameras.TryGetValue(cameraId, out var state))
        {
            if (state.Version != modelVersion && !state.VersionChanged)
            {
                // Pairs of one sample come from one model: what this run learns is kept for the weights it began with.
                state.VersionChanged = true;
                TrackingLog.RememberedPairsUnusable(logger, cameraId, modelVersion, $"the camera's updates came from weights '{state.Version}' earlier in this run; its pairs are remembered for those only");
            }
            return;
        }
        _cameras[cameraId] = new CameraState(modelVersion, time);
        RememberedPairs? pairs;
        try
        {
            pairs = await memory.LoadAsync(cameraId, modelVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            TrackingLog.PairMemoryFailed(logger, ex, "read", cameraId);
            return;
        }
        if (pairs is null || pairs.Similarities.Length == 0)
            return;
        if (pairs.Problem() is { } problem)
        {
            TrackingLog.RememberedPairsUnusable(logger, cameraId, modelVersion, problem);
            return;
        }
        if (!identities.RememberPairs(cameraId, pairs))
        {
            TrackingLog.RememberedPairsUnusable(logger, cameraId, modelVersion,
                $"they were measured on embeddings of length {pairs.EmbeddingLength}, this run's are {identities.CalibrationEmbeddingLength}");
            return;
        }
        TrackingLog.PairsRemembered(logger, cameraId, pairs.Similarities.Length, modelVersion, identities.CalibrationPairs, identities.RequiredCalibrationPairs);
    }

    /// <summary>After a camera's update was observed: saves its sample when <see cref="SaveEvery"/> of its video passed.</summary>
    public Task AfterAsync(string cameraId, DateTimeOffset time, CancellationToken cancellationToken) =>
        _cameras.TryGetValue(cameraId, out var state) && time - state.LastSave >= SaveEvery
            ? SaveAsync(cameraId, state, time, cancellationToken)
            : Task.CompletedTask;

    /// <summary>A camera's input ended (its tracks ended first): saves its sample.</summary>
    public Task EndedAsync(string cameraId, CancellationToken cancellationToken) =>
        _cameras.TryGetValue(cameraId, out var state) ? SaveAsync(cameraId, state, state.LastSave, cancellationToken) : Task.CompletedTask;

    /// <summary>The stage stops (input over or cancelled): saves every camera's sample that changed.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        foreach (var (cameraId, state) in _cameras)
            await SaveAsync(cameraId, state, state.LastSave, cancellationToken).ConfigureAwait(false);
    }

    private async Task SaveAsync(string cameraId, CameraState state, DateTimeOffset time, CancellationToken cancellationToken)
    {
        state.LastSave = time;
        if (identities.CalibrationEmbeddingLength < 1)
            return;
        var pairs = identities.PairsToRemember(cameraId);
        if (pairs.Similarities.Length == 0 || (state.Saved is { } saved && saved.AsSpan().SequenceEqual(pairs.Similarities)))
            return;
        try
        {
            await memory.SaveAsync(cameraId, state.Version, pairs, cancellationToken).ConfigureAwait(false);
            state.Saved = pairs.Similarities;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            TrackingLog.PairMemoryFailed(logger, ex, "save", cameraId);
        }
    }
}
