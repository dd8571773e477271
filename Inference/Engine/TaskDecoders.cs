using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>Turns one crop's (or frame's) raw unit values into the records operators see.</summary>
internal static class TaskDecoders
{
    /// <summary>Top-k detections above the threshold, boxes mapped to source pixels. The model's boxes
    /// are fractions of the canvas it saw: the resized image padded to the encoder's multiple, so
    /// <paramref name="canvas"/> (padded over resized size, per axis; 1 without padding) maps them
    /// back to fractions of the image before they are scaled to the frame.</summary>
    public static List<Detection> Detections(ReadOnlySpan<float> logits, ReadOnlySpan<float> boxes, int frameWidth, int frameHeight, float threshold, int maxDetections,
        float logitShift = 0, float? duplicateIoU = null, (float X, float Y)? canvas = null)
    {
        var order = new int[logits.Length];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        var scores = logits.ToArray();
        Array.Sort(scores.Select(s => -s).ToArray(), order);
        var result = new List<Detection>();
        float scaleX = frameWidth * (canvas?.X ?? 1), scaleY = frameHeight * (canvas?.Y ?? 1);
        foreach (int q in order)
        {
            if (result.Count == maxDetections)
                break;
            float score = Sigmoid(logits[q] + logitShift);
            if (score < threshold)
                break;
            float cx = boxes[4 * q] * scaleX, cy = boxes[(4 * q) + 1] * scaleY;
            float w = boxes[(4 * q) + 2] * scaleX, h = boxes[(4 * q) + 3] * scaleY;
            var box = new BoundingBox(
                Math.Clamp(cx - (w / 2), 0, frameWidth), Math.Clamp(cy - (h / 2), 0, frameHeight),
                Math.Clamp(cx + (w / 2), 0, frameWidth), Math.Clamp(cy + (h / 2), 0, frameHeight));
            if (box.Width > 0 && box.Height > 0 && !(duplicateIoU is { } limit && result.Any(kept => kept.Box.IoU(box) >= limit)))
                result.Add(new Detection(box, score));
        }
        return result;
    }

    /// <summary>Joints in frame pixels from (flip-averaged) heatmaps [J, h, w]; visibility from the global unit.</summary>
    public static Keypoint[] Keypoints(ReadOnlySpan<float> heatmaps, ReadOnlySpan<float> visibilityLogits, int joints, int height, int width, CropBox crop, float visibilityThreshold)
    {
        var decoded = HeatmapDecoder.Decode(heatmaps, joints, height, width);
        var keypoints = new Keypoint[joints];
        for (int j = 0; j < joints; j++)
        {
            var (x, y, score) = decoded[j];
            keypoints[j] = new Keypoint(
                (float)crop.SourceX(x, width), (float)crop.SourceY(y, height),
                Math.Clamp(score, 0f, 1f), Sigmoid(visibilityLogits[j]) >= visibilityThreshold);
        }
        return keypoints;
    }

    public static AttributeProbability[] Attributes(ReadOnlySpan<float> logits, IReadOnlyList<string> labels)
    {
        var result = new AttributeProbability[labels.Count];
        for (int i = 0; i < labels.Count; i++)
            result[i] = new AttributeProbability(labels[i], Sigmoid(logits[i]));
        return result;
    }

    /// <summary>The ReID embedding, L2-normalised (as the evaluation ranks by it).</summary>
    public static float[] Embedding(ReadOnlySpan<float> feature) => Core.Algorithms.Vectors.Normalized(feature);

    /// <summary>Clothing classes of the LIP/CIHP label set, for colour naming.</summary>
    private static readonly HashSet<string> s_upper = new(StringComparer.Ordinal) { "upper_clothes", "coat", "dress", "jumpsuit" };
    private static readonly HashSet<string> s_lower = new(StringComparer.Ordinal) { "pants", "skirt", "dress", "jumpsuit" };

    /// <summary>Part shares and clothing colours from a crop's label map (one label per pixel,
    /// label 0 background) and the crop's RGB pixels.</summary>
    public static ParsingSummary Parsing(ReadOnlySpan<byte> labelMap, ReadOnlySpan<byte> rgb, IReadOnlyList<string> labels)
    {
        var counts = new int[labels.Count];
        foreach (byte label in labelMap)
            counts[label]++;
        int person = labelMap.Length - counts[0];
        var shares = new Dictionary<string, float>(StringComparer.Ordinal);
        for (int c = 1; c < labels.Count; c++)
        {
            if (counts[c] > 0 && person > 0)
                shares[labels[c]] = (float)counts[c] / person;
        }
        int minimum = Math.Max(16, person / 50); // a garment must cover 2 % of the person to get a colour
        var upper = Indices(labels, s_upper);
        var lower = Indices(labels, s_lower);
        return new ParsingSummary(shares,
            ColourNames.Dominant(rgb, labelMap, upper, minimum),
            ColourNames.Dominant(rgb, labelMap, lower, minimum));
    }

    private static HashSet<int> Indices(IReadOnlyList<string> labels, HashSet<string> names) =>
        Enumerable.Range(0, labels.Count).Where(i => names.Contains(labels[i])).ToHashSet();

    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
