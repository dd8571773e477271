using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>What one run of the embedded pipeline did, stage by stage.</summary>
internal sealed record PipelineResult(
    IReadOnlyList<CameraIngestReport> Cameras,
    long FramesAnalysed,
    long FramesSkipped,
    long FramesRejected,
    long Persons,
    long Observations,
    long Tracks,
    long Identities,
    long DeadLetters,
    long ZoneEvents,
    TimeSpan Elapsed,
    TimeSpan InferenceBusy,
    int ModelLanes,
    TimeSpan StoreBusy,
    string ModelVersion,
    Exception? Failure,
    bool ModelInFloat32 = false,
    long IgnoredDetections = 0,
    IReadOnlyDictionary<string, UniHCP.Pipeline.Inference.Stage.CameraPersonSize>? PersonSizes = null,
    long DetectionPasses = 0)
{
    /// <summary>Detector passes per analysed frame (1 when every frame was read whole).</summary>
    public double PassesPerFrame => FramesAnalysed == 0 || DetectionPasses == 0 ? 1 : (double)DetectionPasses / FramesAnalysed;

    public long FramesDecoded => Cameras.Sum(c => c.Frames);

    public double FramesPerSecond => FramesDecoded / Math.Max(Elapsed.TotalSeconds, 1e-6);
}
