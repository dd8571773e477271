namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>What the inference stage has done so far; updated by the stage, read from any thread.</summary>
public sealed class InferenceStageCounters
{
    private long _received;
    private long _skipped;
    private long _rejected;
    private long _analysed;
    private long _persons;
    private long _batches;
    private long _busyTicks;

    /// <summary>Frames read from the frames topic.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Frames left out by the detection stride.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Frames the model could not take (invalid, or the engine failed on them alone).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Frames analysed and published.</summary>
    public long Analysed => Interlocked.Read(ref _analysed);

    /// <summary>Persons found in the analysed frames.</summary>
    public long Persons => Interlocked.Read(ref _persons);

    /// <summary>Detections dropped because their foot point lay in an ignore area of their camera.</summary>
    public long Ignored => Interlocked.Read(ref _ignoredBefore) + (IgnoredNow?.Invoke() ?? 0);

    private long _ignoredBefore;

    // The engine in use counts its own; an engine replaced by new weights leaves its count here.
    internal Func<long>? IgnoredNow { get; set; }

    internal void KeepIgnored(long count) => Interlocked.Add(ref _ignoredBefore, count);

    /// <summary>How tall the people found on each camera were at the detector's input.</summary>
    public PersonSizes PersonSizes { get; } = new();

    /// <summary>Frames read as tiles too (each one model pass per tile more than a frame read whole).</summary>
    public long TiledFrames => Interlocked.Read(ref _tiledFrames);

    /// <summary>Detector passes over the frames analysed: one per frame plus one per tile of the frames read as tiles.</summary>
    public long DetectionPasses => Interlocked.Read(ref _detectionPasses);

    private long _tiledFrames;
    private long _detectionPasses;

    internal void AddDetectionPasses(int tiledFrames, long passes)
    {
        Interlocked.Add(ref _tiledFrames, tiledFrames);
        Interlocked.Add(ref _detectionPasses, passes);
    }

    /// <summary>Model batches run.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Time spent inside the model, summed over the model lanes (so up to <see cref="Lanes"/> times the time passed).</summary>
    public TimeSpan Busy => TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks));

    /// <summary>Model lanes the stage runs (0 before it starts).</summary>
    public int Lanes => Volatile.Read(ref _lanes);

    private int _lanes;

    internal void SetLanes(int lanes) => Volatile.Write(ref _lanes, lanes);

    internal void AddReceived() => Interlocked.Increment(ref _received);

    internal void AddSkipped() => Interlocked.Increment(ref _skipped);

    internal void AddRejected() => Interlocked.Increment(ref _rejected);

    internal void AddBatch(int frames, int persons, TimeSpan elapsed)
    {
        Interlocked.Add(ref _analysed, frames);
        Interlocked.Add(ref _persons, persons);
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _busyTicks, elapsed.Ticks);
    }
}
