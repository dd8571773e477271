using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>
/// How the perception engine runs the model. Defaults are the release evaluation settings, except where a value is
/// left null: then the weights' own hints decide (<see cref="Checkpoints.InferenceHints"/>, read by the builder).
/// </summary>
public sealed record PerceptionOptions
{
    /// <summary>"cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "cpu";

    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>Intra-op threads for libtorch; 0 keeps libtorch's default (one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Tasks to run besides detection, by name; null: the weights' default tasks, else every trained one.</summary>
    public IReadOnlyList<string>? Tasks { get; init; }

    /// <summary>Detection input size; null: what the weights were trained at, else the release's short side 800.</summary>
    public DetectionResize? DetectionResize { get; init; }

    /// <summary>Cap on the detection input's long side, applied to <see cref="DetectionResize"/> or to the weights'
    /// own size; null: the resize's own cap.</summary>
    public int? DetectionMaxLongSide { get; init; }

    /// <summary>Minimum detection score of a reported person (release evaluation keeps 0.05 for AP).</summary>
    public float DetectionThreshold { get; init; } = 0.5f;

    /// <summary>Most persons reported per frame (top-k of the detection queries).</summary>
    public int MaxDetections { get; init; } = 100;

    public CropSize PoseInput { get; init; } = new(192, 256);

    public CropSize AttributeInput { get; init; } = new(192, 256);

    public CropSize ReIdInput { get; init; } = new(128, 256);

    public CropSize ParsingInput { get; init; } = new(480, 480);

    /// <summary>Average pose heatmaps with those of the mirrored crop (release: on). Doubles the pose encoder work.</summary>
    public bool PoseFlipTest { get; init; } = true;

    /// <summary>Reproduce the official flip test, which normalises the mirrored crop a second time
    /// (the paper's pose numbers were produced that way). Off: the mirrored crop is normalised once.</summary>
    public bool OfficialFlipNormalisation { get; init; }

    /// <summary>A joint is reported visible when sigmoid(global unit) reaches this.</summary>
    public float VisibilityThreshold { get; init; } = 0.5f;

    /// <summary>Added to every detection logit before the sigmoid: calibrates a model whose scores sit low (a young
    /// DETR-style model trained with focal loss) so that its operating point lands at the usual thresholds.
    /// Null: the weights' recorded shift, else none.</summary>
    public float? ScoreLogitShift { get; init; }

    /// <summary>Drop a detection that overlaps a higher-scoring one by at least this IoU (null: keep all, as the
    /// set-prediction design intends; a young model still emits near-duplicates). Null: the weights' recorded value.</summary>
    public float? DuplicateIoU { get; init; }

    /// <summary>Name every person's upper and lower clothing colour; without parsing, from the frame's pixels in the
    /// torso and leg regions (<see cref="Processing.ClothingColours"/>). Default on: operators search by colour.</summary>
    public bool ClothingColours { get; init; } = true;

    /// <summary>Per camera id, polygons where a detection whose foot point lies inside is dropped before anything else
    /// sees it (<see cref="IgnoreAreaFilter"/>). Empty: none.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<IgnoreArea>> IgnoreAreas { get; init; } = new Dictionary<string, IReadOnlyList<IgnoreArea>>();

    /// <summary>Crops per network pass (memory bound).</summary>
    public int MaxCropsPerBatch { get; init; } = 16;

    /// <summary><see cref="DetectionTiles"/>' value for "by the frame's size": 2 x 2 tiles for frames the detection input
    /// shrinks to <see cref="AutoTilesMaxScale"/> or less (720p and larger at the default 512 / 768 input), else the
    /// whole frame only.</summary>
    public const int AutoTiles = 0;

    /// <summary>The largest input-to-frame scale at which <see cref="AutoTiles"/> tiles: a 1280x720 frame read at 768x432
    /// (0.6) and larger frames, whose people the whole-frame pass shrinks most. On the 17 scenes (docs/default-model.md,
    /// "Tiles"): the three such scenes with many people gained 0.09-0.21 AP50 and no smaller frame pays the 5 passes.</summary>
    public const double AutoTilesMaxScale = 0.6;

    /// <summary>Detection also on a grid of this many by this many overlapping tiles of each frame, each read at the
    /// detection input size (<see cref="DetectionTiles"/>): small, far people are seen larger, at one model pass per
    /// tile more. 1: the whole frame only; <see cref="AutoTiles"/> (the default): by the frame's size.</summary>
    public int DetectionTiles { get; init; } = AutoTiles;

    /// <summary><see cref="DetectionTiles"/> for given cameras (by camera id), over the one for all: tiles pay on cameras
    /// of small, far people and cost accuracy where people are near (docs/default-model.md, "Tiles").</summary>
    public IReadOnlyDictionary<string, int> CameraDetectionTiles { get; init; } = new Dictionary<string, int>();

    /// <summary>The tile grid a camera's frames of this size are detected with.</summary>
    public int TilesFor(string cameraId, int width, int height)
    {
        int tiles = CameraDetectionTiles.TryGetValue(cameraId, out int given) ? given : DetectionTiles;
        return tiles == AutoTiles ? AutoTilesFor(DetectionResize ?? throw new InvalidOperationException("The detection resize is not resolved yet."), width, height) : tiles;
    }

    /// <summary>For a frame of a camera read as tiles (<see cref="TilesFor"/>) that is read whole this time: the height
    /// (pixels) under which people may be missing from it, the tallest a tile keeps (<see
    /// cref="DetectionTiles.MaxTileHeightFraction"/> of a tile); 0 for cameras read whole anyway.</summary>
    public float UnsearchedBelowHeight(string cameraId, int width, int height)
    {
        int grid = TilesFor(cameraId, width, height);
        return grid <= 1 ? 0 : (float)(Engine.DetectionTiles.MaxTileHeightFraction * Engine.DetectionTiles.Layout(width, height, grid)[0].Height);
    }

    /// <summary>What <see cref="AutoTiles"/> picks for a frame of this size read at <paramref name="resize"/>.</summary>
    public static int AutoTilesFor(DetectionResize resize, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(resize);
        var (_, inputHeight) = resize.SizeFor(width, height);
        return (double)inputHeight / height <= AutoTilesMaxScale + 1e-9 ? 2 : 1;
    }

    public void Validate()
    {
        DetectionResize?.Validate();
        if (DetectionThreshold is < 0 or > 1)
            throw new ArgumentException($"DetectionThreshold must be within [0, 1] (got {DetectionThreshold}).");
        if (MaxDetections is < 1 or > 10_000)
            throw new ArgumentException($"MaxDetections must be 1..10000 (got {MaxDetections}).");
        if (Threads is < 0 or > 1024)
            throw new ArgumentException($"Threads must be 0..1024 (got {Threads}).");
        if (DetectionTiles is < AutoTiles or > 4)
            throw new ArgumentException($"DetectionTiles must be auto ({AutoTiles}) or 1 (the whole frame only) to 4 (got {DetectionTiles}).");
        foreach (var (camera, tiles) in CameraDetectionTiles)
        {
            if (tiles is < AutoTiles or > 4)
                throw new ArgumentException($"CameraDetectionTiles: camera '{camera}' has {tiles}; auto ({AutoTiles}) or 1 (the whole frame only) to 4.");
            Core.Events.CameraId.Validate(camera, nameof(CameraDetectionTiles));
        }
        if (MaxCropsPerBatch is < 1 or > 1024)
            throw new ArgumentException($"MaxCropsPerBatch must be 1..1024 (got {MaxCropsPerBatch}).");
        if (DuplicateIoU is < 0.05f or > 1)
            throw new ArgumentException($"DuplicateIoU must be within [0.05, 1] (got {DuplicateIoU}).");
        if (ScoreLogitShift is { } shift && (!float.IsFinite(shift) || Math.Abs(shift) > 20))
            throw new ArgumentException($"ScoreLogitShift must be within [-20, 20] (got {ScoreLogitShift}).");
        if (VisibilityThreshold is < 0 or > 1)
            throw new ArgumentException($"VisibilityThreshold must be within [0, 1] (got {VisibilityThreshold}).");
        var areaProblems = IgnoreAreas.SelectMany(c => IgnoreArea.Problems(c.Key, c.Value)).ToList();
        if (areaProblems.Count > 0)
            throw new ArgumentException("IgnoreAreas: " + string.Join(" ", areaProblems));
        PoseInput.Validate("Pose");
        AttributeInput.Validate("Attribute");
        ReIdInput.Validate("ReID");
        ParsingInput.Validate("Parsing");
    }
}
