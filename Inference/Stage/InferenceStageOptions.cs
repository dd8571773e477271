using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>The "Inference" configuration section's stage settings (the model's own are <see cref="Engine.PerceptionOptions"/>).</summary>
public sealed record InferenceStageOptions
{
    /// <summary>Frames (from any cameras) run through the model together. Default 4.</summary>
    public int BatchFrames { get; init; } = 4;

    /// <summary>Model lanes: batches analysed side by side, each on its own thread with an equal share of the libtorch
    /// threads; the person-task planning still takes the batches in order. 0 (default): 2 on a machine with two or more
    /// cores, else 1. Why: libtorch's threads of one call wait for each other at every operation, so whatever else the
    /// process runs (decoding, thumbnails, the store) stalls both; measured on 2 cores, two lanes of one thread ran the
    /// detector 12-17 % faster than one lane of two, with or without such other load (docs/benchmarks.md).</summary>
    public int ModelLanes { get; init; }

    /// <summary>The lanes to run and the libtorch threads of each, on a machine of <paramref name="cores"/> cores where
    /// <paramref name="requestedThreads"/> libtorch threads were asked for in all (0: one per core).</summary>
    public (int Lanes, int ThreadsPerLane) Lanes(int cores, int requestedThreads)
    {
        int total = requestedThreads > 0 ? requestedThreads : Math.Max(1, cores);
        int lanes = ModelLanes > 0 ? ModelLanes : Math.Min(2, total);
        return (lanes, Math.Max(1, total / lanes));
    }

    /// <summary>Analyse every Nth frame of each camera (1: every frame); the tracker's motion model carries the
    /// frames between. Default 1.</summary>
    public int DetectionStride { get; init; } = 1;

    /// <summary>On cameras read as tiles (<see cref="Engine.PerceptionOptions.DetectionTiles"/>), the tiles on every Nth
    /// analysed frame only, the frames between read whole; 1: tiles on every frame. The tracker keeps the new tracks of
    /// small people those frames cannot see and the store fills lost tracks' gaps, so most of what tiles find stays at
    /// a fraction of the passes. Default 3: over four 720p-1080p scenes' frames as the store holds them (AP50 against
    /// the teacher), 1 / 2 / 3 / 4 gave 0.519 / 0.500 / 0.484 / 0.476 at 5 / 3 / 2.33 / 2 passes a frame, the whole
    /// frame alone 0.381 (docs/default-model.md, "Tiles on every third frame"). Tiles with nobody small in them are
    /// skipped on those frames too (<see cref="TileSchedule"/>), and the frames between hold the small people of the
    /// last tiled frame (<see cref="SmallPeopleCarry"/>), which brings every third frame to within 0.02 of every frame.</summary>
    public int DetectionTilesEvery { get; init; } = 3;

    /// <summary>Height in pixels of the JPEG crop attached to each observation; 0 for none. Default 96.</summary>
    public int ThumbnailHeight { get; init; } = 96;

    /// <summary>How often (capture time) a whole frame of each camera is kept as its snapshot, the picture the zone
    /// editor draws on; zero: never. Default 10 s.</summary>
    public TimeSpan SnapshotEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pixelate the head in every thumbnail before it is encoded (privacy): from pose keypoints when the
    /// person has them, else the top of the box. Default off.</summary>
    public bool BlurHeads { get; init; }

    /// <summary>Run the person tasks (ReID, pose, attributes, parsing) on a track's first confirmed sighting and then
    /// once per this much capture time, instead of on every detection (<see cref="PersonTaskSchedule"/>); null: on
    /// every detection. Clothing colours are named for every detection either way.</summary>
    public TimeSpan? PersonTasksEvery { get; init; }

    /// <summary>With <see cref="PersonTasksEvery"/>: the tracking stage's tracker options (the host passes
    /// Tracking:Camera), which the schedule's copy of the tracker must share to form the same tracks.</summary>
    public TrackerOptions Tracker { get; init; } = new();

    public void Validate()
    {
        var problems = new List<string>();
        if (BatchFrames is < 1 or > 64)
            problems.Add($"BatchFrames must be 1-64 (got {BatchFrames}).");
        if (ModelLanes is < 0 or > 16)
            problems.Add($"ModelLanes must be 0 (automatic) to 16 (got {ModelLanes}).");
        if (DetectionStride is < 1 or > 1000)
            problems.Add($"DetectionStride must be 1-1000 (got {DetectionStride}).");
        if (DetectionTilesEvery is < 1 or > 1000)
            problems.Add($"DetectionTilesEvery must be 1-1000 (got {DetectionTilesEvery}).");
        if (PersonTasksEvery is { } every && (every <= TimeSpan.Zero || every > TimeSpan.FromHours(1)))
            problems.Add($"PersonTasksEvery must be above 0 and at most an hour (got {every}).");
        try
        {
            Tracker.Validate();
        }
        catch (ArgumentException ex)
        {
            problems.Add(ex.Message);
        }
        if (SnapshotEvery < TimeSpan.Zero)
            problems.Add($"SnapshotEvery must not be negative (got {SnapshotEvery}).");
        if (ThumbnailHeight is < 0 or > 512)
            problems.Add($"ThumbnailHeight must be 0-512 (got {ThumbnailHeight}).");
        if (problems.Count > 0)
            throw new ArgumentException("Inference: " + string.Join(" ", problems));
    }
}
