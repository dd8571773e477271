using System.Globalization;
using System.Text.Json;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Detection;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// How one clip's labelled frames split in time: the first <see cref="TrainShare"/> of the clip trains, the last
/// <see cref="ValidationShare"/> validates, and the frames between are left out, so that no validation frame is a near
/// copy of a training one. A held-out scene validates with every labelled frame and trains with none: it stands for a
/// camera the model has never seen.
/// </summary>
public sealed record SceneSplit(double TrainShare = 0.75, double ValidationShare = 0.2)
{
    public bool IsTraining(long frame, long length) => frame < TrainShare * length;

    public bool IsValidation(long frame, long length) => frame >= (1 - ValidationShare) * length;

    public void Validate()
    {
        if (!(TrainShare > 0) || !(ValidationShare > 0) || !(TrainShare + ValidationShare <= 1))
            throw new ArgumentException($"A scene split needs training and validation shares above 0 that sum to at most 1; got {TrainShare} and {ValidationShare}.");
    }
}

/// <summary>
/// Scenes labelled by `unihcp label` (one COCO file per clip, its frames named by index) as detection datasets, one per
/// scene: teacher boxes at or above the labelling run's operating score are persons, lower ones ignore regions (an
/// uncertain teacher box is neither taught as a person nor as background). Each label file names its video; a video
/// that has moved is looked for by file name in the videos folder.
/// </summary>
public static class SceneLabelReader
{
    /// <summary>The operating score assumed when a label file does not record one (the CenterNet teacher's best F1).</summary>
    public const double DefaultOperatingScore = 0.25;

    /// <param name="labels">A label file of `unihcp label` (video frames).</param>
    /// <param name="videosFolder">Where to look for the video when the path the file records does not exist.</param>
    /// <param name="heldOut">The whole scene validates (an unseen camera); otherwise the time split applies.</param>
    public static async Task<DetectionDataset> ReadAsync(string labels, string? videosFolder, SceneSplit split, bool heldOut, DetectionResize evaluationSize, CancellationToken cancellationToken = default)
    {
        split.Validate();
        var coco = CocoFile.Read(labels);
        var (video, operatingScore) = Provenance(labels, videosFolder);
        string scene = Path.GetFileNameWithoutExtension(labels);
        if (coco.Images.Count == 0)
            throw new DatasetFormatException(labels, null, "no labelled frames.");
        var frames = new Dictionary<long, CocoImage>();
        foreach (var image in coco.Images)
        {
            long index = image.FrameIndex ?? throw new DatasetFormatException(labels, null, $"image {image.Id} '{image.FileName}' has no frame_index: scene labels are frames of a video.");
            if (!frames.TryAdd(index, image))
                throw new DatasetFormatException(labels, null, $"frame {index} is labelled twice.");
        }
        long length = frames.Keys.Max() + 1;
        bool Training(long f) => !heldOut && split.IsTraining(f, length);
        bool Validation(long f) => heldOut || split.IsValidation(f, length);
        var decoded = await VideoFrames.ReadAsync(video, f => frames.ContainsKey(f) && (Training(f) || Validation(f)), cancellationToken).ConfigureAwait(false);
        var byImage = coco.ByImage;
        var train = new List<DetectionSample>();
        var validation = new List<DetectionSample>();
        foreach (var frame in decoded)
        {
            var image = frames[frame.Index];
            if (image.Width != frame.Width || image.Height != frame.Height)
                throw new DatasetFormatException(labels, null, $"frame {frame.Index} is {image.Width}x{image.Height} in the labels but {frame.Width}x{frame.Height} in '{video}': labels of another video?");
            var persons = new List<BoundingBox>();
            var ignore = new List<BoundingBox>();
            foreach (var a in byImage[image.Id])
            {
                var box = new BoundingBox((float)a.Bbox![0], (float)a.Bbox[1], (float)(a.Bbox[0] + a.Bbox[2]), (float)(a.Bbox[1] + a.Bbox[3]));
                if (box.Width < 1 || box.Height < 1)
                    continue;
                (a.Iscrowd == 0 && (a.Score ?? 1) >= operatingScore ? persons : ignore).Add(box);
            }
            var sample = new DetectionSample($"frame_{frame.Index:D6}", new RgbImage(frame.Width, frame.Height, frame.Rgb), persons, ignore) { Dataset = scene };
            (Training(frame.Index) ? train : validation).Add(sample);
        }
        return new DetectionDataset(scene, train, validation, Weight: 1, evaluationSize);
    }

    /// <summary>Every label file (*.json) of a folder, one dataset per scene, in name order; those named in
    /// <paramref name="heldOutScenes"/> are held out whole.</summary>
    public static async Task<List<DetectionDataset>> ReadFolderAsync(string folder, string? videosFolder, SceneSplit split, IReadOnlySet<string> heldOutScenes, DetectionResize evaluationSize, TextWriter log, CancellationToken cancellationToken = default)
    {
        var datasets = new List<DetectionDataset>();
        foreach (string file in LabelFiles(folder, heldOutScenes))
        {
            string scene = Path.GetFileNameWithoutExtension(file);
            var dataset = await ReadAsync(file, videosFolder, split, heldOutScenes.Contains(scene), evaluationSize, cancellationToken).ConfigureAwait(false);
            var all = dataset.Train.Concat(dataset.Validation).ToList();
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scene {scene}{(heldOutScenes.Contains(scene) ? " (held out whole)" : string.Empty)}: {dataset.Train.Count} training and {dataset.Validation.Count} validation frames, {all.Sum(s => s.Boxes.Count)} persons, {all.Sum(s => s.Ignore.Count)} ignore regions"));
            datasets.Add(dataset);
        }
        return datasets;
    }

    /// <summary>The label files (*.json) of a scene folder in name order; every held-out scene must have one.</summary>
    internal static List<string> LabelFiles(string folder, IReadOnlySet<string> heldOutScenes)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Scene labels folder '{folder}' does not exist.");
        var files = Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new FileNotFoundException($"'{folder}' holds no label files (*.json from `unihcp label`).");
        var unknown = heldOutScenes.Except(files.Select(Path.GetFileNameWithoutExtension)!, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Held-out scene(s) {string.Join(", ", unknown)} have no label file in '{folder}'.");
        return files;
    }

    /// <summary>How many frames a scene's clip has as far as its labels know (the last labelled frame's index + 1):
    /// the length its time split is taken over.</summary>
    internal static long LabelledLength(string labels, CocoFile coco)
    {
        if (coco.Images.Count == 0)
            throw new DatasetFormatException(labels, null, "no labelled frames.");
        return coco.Images.Max(i => i.FrameIndex ?? throw new DatasetFormatException(labels, null, $"image {i.Id} '{i.FileName}' has no frame_index: scene labels are frames of a video.")) + 1;
    }

    /// <summary>The teachers that labelled a folder's scenes, with their terms, for the trained weights' provenance.</summary>
    public static IReadOnlyList<string> Teachers(string folder)
    {
        var teachers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.GetFiles(folder, "*.json"))
        {
            using var stream = File.OpenRead(file);
            using var json = JsonDocument.Parse(stream);
            if (!json.RootElement.TryGetProperty("info", out var info) || !info.TryGetProperty("labeller", out var labeller) || !labeller.TryGetProperty("teacher", out var teacher))
                continue;
            string Text(string key) => teacher.TryGetProperty(key, out var v) ? v.GetString() ?? string.Empty : string.Empty;
            teachers.Add($"boxes: {Text("boxes")}; keypoints: {Text("keypoints")}; terms: {Text("terms")}");
        }
        return [.. teachers];
    }

    /// <summary>The video a label file was made from and the operating score its teacher ran at.</summary>
    internal static (string Video, double OperatingScore) Provenance(string labels, string? videosFolder)
    {
        string? source = null;
        double score = DefaultOperatingScore;
        try
        {
            using var stream = File.OpenRead(labels);
            using var json = JsonDocument.Parse(stream);
            if (json.RootElement.TryGetProperty("info", out var info) && info.TryGetProperty("labeller", out var labeller))
            {
                source = labeller.TryGetProperty("source", out var s) ? s.GetString() : null;
                if (labeller.TryGetProperty("teacher", out var teacher) && teacher.TryGetProperty("operating_score", out var o)
                    && !double.TryParse(o.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out score))
                    throw new DatasetFormatException(labels, null, $"info.labeller.teacher.operating_score '{o}' is not a number.");
            }
        }
        catch (JsonException ex)
        {
            throw new DatasetFormatException(labels, null, $"not valid JSON: {ex.Message}", ex);
        }
        if (source is null)
            throw new DatasetFormatException(labels, null, "info.labeller.source does not name the video (scene labels come from `unihcp label`).");
        if (File.Exists(source))
            return (source, score);
        string? moved = videosFolder is null ? null : Path.Combine(videosFolder, Path.GetFileName(source));
        if (moved is not null && File.Exists(moved))
            return (moved, score);
        throw new FileNotFoundException($"The video of '{labels}' is neither at '{source}' nor {(moved is null ? "given by a videos folder" : $"at '{moved}'")}.", source);
    }
}
