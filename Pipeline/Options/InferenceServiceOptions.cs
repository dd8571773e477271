using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Stage;

namespace UniHCP.Pipeline.Hosting.Options;

/// <summary>
/// The "Inference" configuration section: which weights, run how. What is left null comes from the weights file
/// (<see cref="InferenceHints"/>): its default tasks, the input size it was trained at, its score calibration.
/// </summary>
public sealed class InferenceServiceOptions
{
    public const string SectionName = "Inference";

    /// <summary>Weights file; null: models/default.safetensors of the repository.</summary>
    public string? Weights { get; set; }

    /// <summary>Person tasks besides detection, comma-separated (pose, parsing, attributes, reid; "none": detection
    /// only); null: the weights' default.</summary>
    public string? Tasks { get; set; }

    /// <summary>cpu, or cuda / cuda:N on a CUDA build. Default cpu.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Null: BFloat16 on CPUs with AVX-512 BF16 or AMX (about 1.8x faster), else Float32.</summary>
    public Precision? Precision { get; set; }

    /// <summary>Detection score threshold. Default 0.5.</summary>
    public float Threshold { get; set; } = 0.5f;

    /// <summary>Detection input short side in pixels; null: what the weights were trained at, else 800.</summary>
    public int? DetectionShortSide { get; set; }

    /// <summary>Cap on the detection input's long side in pixels; null: what the weights record, else 1333/800 of
    /// the short side (a run that sets DetectionShortSide without it gets that ratio).</summary>
    public int? DetectionMaxLongSide { get; set; }

    /// <summary>Detection also on a grid of N x N overlapping tiles of each frame (small, far people; N x N more
    /// detector passes): 1 the whole frame only, 2-4 tiles, or "auto" (the default): 2 x 2 tiles for frames the detection
    /// input shrinks to 0.6 or less (720p and larger at the default input), the whole frame for smaller ones.</summary>
    public string DetectionTiles { get; set; } = "auto";

    /// <summary>DetectionTiles per camera id (0: auto), over the one for all (tiles pay where people are small and far).</summary>
    public Dictionary<string, int> CameraDetectionTiles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>On cameras read as tiles, the tiles on every Nth analysed frame, the whole frame between (1: every
    /// frame). Default 3: nearly what tiles on every frame find, at under half their passes.</summary>
    public int DetectionTilesEvery { get; set; } = 3;

    /// <summary>Frames (from any cameras) run through the model together. Default 4.</summary>
    public int BatchFrames { get; set; } = 4;

    /// <summary>Batches analysed side by side, each on its own thread with a share of the libtorch threads; 0 (default):
    /// 2 on a machine with two or more cores, else 1.</summary>
    public int ModelLanes { get; set; }

    /// <summary>Analyse every Nth frame of each camera. Default 1.</summary>
    public int DetectionStride { get; set; } = 1;

    /// <summary>Height in pixels of the JPEG crop kept with each observation; 0 for none. Default 96.</summary>
    public int ThumbnailHeight { get; set; } = 96;

    /// <summary>How often a whole frame of each camera is stored as its snapshot (the zone editor's picture); 0: never.</summary>
    public TimeSpan SnapshotEvery { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pixelate heads in stored thumbnails (privacy): from pose keypoints when present, else the top of the box.</summary>
    public bool BlurHeads { get; set; }

    /// <summary>Name every person's clothing colours (from parsing, else from body regions of the frame). Default on.</summary>
    public bool ClothingColours { get; set; } = true;

    /// <summary>Seconds between a followed person's descriptions by the person tasks (ReID, pose, attributes, parsing),
    /// the first on their first confirmed sighting; 0: every detection. Default 2: a track gets its embedding and
    /// descriptions at a fraction of the crops, which keeps the main job real-time with ReID on.</summary>
    public double PersonTasksEvery { get; set; } = 2;

    /// <summary>Per camera id, polygons (frame pixels) where a detection whose foot point lies inside is dropped before
    /// tracking: a sign or a mannequin the detector takes for a person. Empty: none.</summary>
    public Dictionary<string, List<IgnoreArea>> IgnoreAreas { get; set; } = new(StringComparer.Ordinal);

    /// <summary>With a store: how often the running stage re-reads every camera's ignore areas from it (an operator's
    /// edit through the API or the dashboard applies within this); 0 reads them at start only. Default 10 s.</summary>
    public TimeSpan IgnoreAreasRefresh { get; set; } = TimeSpan.FromSeconds(10);

    public InferenceStageOptions Stage => new()
    {
        BatchFrames = BatchFrames,
        ModelLanes = ModelLanes,
        DetectionStride = DetectionStride,
        DetectionTilesEvery = DetectionTilesEvery,
        ThumbnailHeight = ThumbnailHeight,
        BlurHeads = BlurHeads,
        SnapshotEvery = SnapshotEvery,
        PersonTasksEvery = PersonTasksEvery > 0 && double.IsFinite(PersonTasksEvery) ? TimeSpan.FromSeconds(PersonTasksEvery) : null,
    };

    public PerceptionOptions Perception => new()
    {
        Device = Device,
        Precision = Precision ?? (CpuFeatures.HasFastBFloat16 ? Inference.Engine.Precision.BFloat16 : Inference.Engine.Precision.Float32),
        DetectionThreshold = Threshold,
        Tasks = Tasks is null ? null
            : Tasks.Trim() == "none" ? []
            : Tasks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        DetectionResize = DetectionShortSide is { } side ? InferenceHints.Resize(side) : null,
        DetectionMaxLongSide = DetectionMaxLongSide,
        DetectionTiles = ParseTiles(DetectionTiles) ?? PerceptionOptions.AutoTiles,
        CameraDetectionTiles = new Dictionary<string, int>(CameraDetectionTiles, StringComparer.Ordinal),
        ClothingColours = ClothingColours,
        IgnoreAreas = IgnoreAreas.ToDictionary(c => c.Key, c => (IReadOnlyList<IgnoreArea>)c.Value, StringComparer.Ordinal),
    };

    public void Validate()
    {
        if (DetectionShortSide is < 32 or > 4096)
            throw new ArgumentException($"Inference: DetectionShortSide must be 32-4096 pixels (got {DetectionShortSide}).");
        if (DetectionMaxLongSide is < 32 or > 8192 || DetectionMaxLongSide < DetectionShortSide)
            throw new ArgumentException($"Inference: DetectionMaxLongSide must be 32-8192 pixels and not under DetectionShortSide (got {DetectionMaxLongSide}).");
        if (ParseTiles(DetectionTiles) is null)
            throw new ArgumentException($"Inference: DetectionTiles must be auto (by the frame's size) or 1 (the whole frame only) to 4 (got '{DetectionTiles}').");
        foreach (var (camera, tiles) in CameraDetectionTiles.Where(c => c.Value is < PerceptionOptions.AutoTiles or > 4))
            throw new ArgumentException($"Inference:CameraDetectionTiles: camera '{camera}' has {tiles}; 0 (auto) or 1 (the whole frame only) to 4.");
        if (IgnoreAreasRefresh < TimeSpan.Zero || IgnoreAreasRefresh > TimeSpan.FromDays(1))
            throw new ArgumentException($"Inference: IgnoreAreasRefresh must be 0 (at start only) to 1 day (got {IgnoreAreasRefresh}).");
        if (!(PersonTasksEvery >= 0) || PersonTasksEvery > 3600)
            throw new ArgumentException($"Inference: PersonTasksEvery must be 0 (every detection) to 3600 seconds (got {PersonTasksEvery}).");
        if (string.IsNullOrWhiteSpace(Device))
            throw new ArgumentException("Inference: Device must be cpu, cuda or cuda:N.");
        Stage.Validate();
        Perception.Validate();
    }

    /// <summary>"auto" as <see cref="PerceptionOptions.AutoTiles"/>, "1"-"4" as the grid; null for anything else.</summary>
    public static int? ParseTiles(string? text) =>
        string.Equals(text?.Trim(), "auto", StringComparison.OrdinalIgnoreCase) ? PerceptionOptions.AutoTiles
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 4 ? n
        : null;
}
