using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Evaluation;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// Machine labels of a video in COCO form (../shared/data/vtest-teacher: CenterNet person boxes and
/// MoveNet keypoints for the sample video's frames 0-599), with the frames decoded from the video.
/// Teacher boxes below <see cref="BoxScore"/> are uncertain (static objects score low): they become
/// ignore regions rather than persons, so the detector is neither taught nor judged on them.
/// </summary>
public static class VideoTeacherReader
{
    /// <summary>A teacher box at or above this score is a person.</summary>
    public const double BoxScore = 0.4;

    /// <summary>The frame index of a sample this reader made (named frame_NNNNNN).</summary>
    public static long FrameOf(string sampleName) =>
        sampleName.StartsWith("frame_", StringComparison.Ordinal) && long.TryParse(sampleName.AsSpan("frame_".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long frame)
            ? frame
            : throw new ArgumentException($"'{sampleName}' is not a frame sample's name (frame_NNNNNN).", nameof(sampleName));

    public static async Task<List<DetectionSample>> ReadDetectionAsync(string cocoPath, string videoPath, Func<long, bool> frames, CancellationToken cancellationToken = default)
    {
        var coco = CocoFile.Read(cocoPath);
        var wanted = coco.Images.Where(i => frames(i.FrameIndex ?? i.Id)).ToDictionary(i => i.FrameIndex ?? i.Id);
        var decoded = await VideoFrames.ReadAsync(videoPath, wanted.ContainsKey, cancellationToken).ConfigureAwait(false);
        var byImage = coco.ByImage;
        var samples = new List<DetectionSample>();
        foreach (var frame in decoded)
        {
            var image = wanted[frame.Index];
            if (image.Width != frame.Width || image.Height != frame.Height)
                throw new DatasetFormatException(cocoPath, null, $"image {image.Id} is {image.Width}x{image.Height}, but frame {frame.Index} of '{videoPath}' is {frame.Width}x{frame.Height}.");
            var persons = new List<BoundingBox>();
            var ignore = new List<BoundingBox>();
            // The first teacher files held MoveNet's own boxes beside CenterNet's (source "movenet"): one person twice.
            foreach (var a in byImage[image.Id].Where(a => a.Source != "movenet"))
            {
                var box = new BoundingBox((float)a.Bbox![0], (float)a.Bbox[1], (float)(a.Bbox[0] + a.Bbox[2]), (float)(a.Bbox[1] + a.Bbox[3]));
                if (a.Iscrowd != 0 || (a.Score ?? 1) < BoxScore)
                    ignore.Add(box);
                else
                    persons.Add(box);
            }
            samples.Add(new DetectionSample($"frame_{frame.Index:D6}", new RgbImage(frame.Width, frame.Height, frame.Rgb), persons, ignore) { Dataset = "vtest-teacher" });
        }
        return samples;
    }

    /// <summary>The persons with keypoints (17 COCO joints; v 1 or 2 where the teacher's joint score reached 0.1) of the
    /// chosen frames, with their boxes: MoveNet's own box in the first teacher files, the box teacher's in those of
    /// `unihcp label`. A person without a labelled joint is kept out.</summary>
    public static async Task<List<PoseSample>> ReadPoseAsync(string cocoPath, string videoPath, Func<long, bool> frames, CancellationToken cancellationToken = default)
    {
        var coco = CocoFile.Read(cocoPath);
        if (coco.KeypointNames.Count != PoseAveragePrecision.CocoSigmas.Count)
            throw new DatasetFormatException(cocoPath, null, $"the person category has {coco.KeypointNames.Count} keypoint names; COCO pose needs {PoseAveragePrecision.CocoSigmas.Count}.");
        var wanted = coco.Images.Where(i => frames(i.FrameIndex ?? i.Id)).ToDictionary(i => i.FrameIndex ?? i.Id);
        var decoded = await VideoFrames.ReadAsync(videoPath, wanted.ContainsKey, cancellationToken).ConfigureAwait(false);
        var byImage = coco.ByImage;
        var samples = new List<PoseSample>();
        foreach (var frame in decoded)
        {
            var image = wanted[frame.Index];
            var persons = new List<(BoundingBox, PoseTruth)>();
            foreach (var a in byImage[image.Id].Where(a => a.Keypoints is not null && a.Bbox is not null))
            {
                if (a.Keypoints!.Length != 3 * PoseAveragePrecision.CocoSigmas.Count)
                    throw new DatasetFormatException(cocoPath, null, $"annotation {a.Id} has {a.Keypoints.Length / 3} joints; expected {PoseAveragePrecision.CocoSigmas.Count}.");
                var joints = Enumerable.Range(0, a.Keypoints.Length / 3).Select(j => ((float)a.Keypoints[3 * j], (float)a.Keypoints[(3 * j) + 1])).ToList();
                var visibility = Enumerable.Range(0, a.Keypoints.Length / 3).Select(j => (int)a.Keypoints[(3 * j) + 2]).ToList();
                if (visibility.All(v => v <= 0))
                    continue;
                double area = a.Bbox![2] * a.Bbox[3];
                if (!(area > 0))
                    throw new DatasetFormatException(cocoPath, null, $"annotation {a.Id} has an empty box.");
                var box = new BoundingBox((float)a.Bbox[0], (float)a.Bbox[1], (float)(a.Bbox[0] + a.Bbox[2]), (float)(a.Bbox[1] + a.Bbox[3]));
                persons.Add((box, new PoseTruth(joints, visibility, area)));
            }
            samples.Add(new PoseSample($"frame_{frame.Index:D6}", new RgbImage(frame.Width, frame.Height, frame.Rgb), persons));
        }
        return samples;
    }
}
