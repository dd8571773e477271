using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Inference.Processing;

/// <summary>
/// Upper and lower clothing colour of a person without a parsing mask: the frame's pixels in body regions, named with
/// <see cref="ColourNames"/> (the store's colour words). With COCO keypoints the regions follow the body - the torso
/// between the shoulders and the hips, the legs from the hips down to the ankles (or the knees) - so a bending, sitting
/// or partly cut-off person is read where their clothes are; where those joints are missing, fixed parts of the box
/// stand in: 20-50 % of its height for the upper clothes, 55-85 % for the lower, the middle half of its width. Parsing,
/// where it is trained, gives better colours (its masks follow the garments); this is what every person gets otherwise.
/// </summary>
public static class ClothingColours
{
    // COCO-17 joints.
    private const int LeftShoulder = 5, RightShoulder = 6, LeftHip = 11, RightHip = 12, LeftKnee = 13, RightKnee = 14, LeftAnkle = 15, RightAnkle = 16;

    /// <summary>Fewer sampled pixels than this and a region names no colour.</summary>
    public const int MinimumPixels = 12;

    /// <summary>Most pixels sampled per region (an even grid over it): enough to vote, cheap for every person.</summary>
    public const int MaximumSamples = 400;

    /// <summary>The colours of <paramref name="box"/>'s person in <paramref name="frame"/>; null where a region is too
    /// small to tell.</summary>
    /// <param name="keypoints">COCO-17 joints in frame pixels, or null without pose.</param>
    /// <param name="minimumJointScore">A joint counts when visible and scored at least this.</param>
    public static (string? Upper, string? Lower) Of(VideoFrame frame, BoundingBox box, IReadOnlyList<Keypoint>? keypoints, float minimumJointScore = 0.3f)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var (upper, lower) = Regions(box, keypoints, minimumJointScore);
        return (Dominant(frame, upper), Dominant(frame, lower));
    }

    /// <summary>The two regions: from the joints where they are found, else from the box.</summary>
    public static (Region Upper, Region Lower) Regions(BoundingBox box, IReadOnlyList<Keypoint>? keypoints, float minimumJointScore = 0.3f)
    {
        float width = box.X2 - box.X1, height = box.Y2 - box.Y1;
        var upper = new Region(box.X1 + (0.25f * width), box.Y1 + (0.20f * height), box.X2 - (0.25f * width), box.Y1 + (0.50f * height));
        var lower = new Region(box.X1 + (0.25f * width), box.Y1 + (0.55f * height), box.X2 - (0.25f * width), box.Y1 + (0.85f * height));
        if (keypoints is not { Count: >= 17 })
            return (upper, lower);
        Keypoint? Joint(int index) => keypoints[index] is { Visible: true } k && k.Score >= minimumJointScore ? k : null;
        var shoulders = new[] { Joint(LeftShoulder), Joint(RightShoulder) }.OfType<Keypoint>().ToList();
        var hips = new[] { Joint(LeftHip), Joint(RightHip) }.OfType<Keypoint>().ToList();
        if (shoulders.Count == 2 && hips.Count > 0)
        {
            // Inside the torso: away from the arms at the sides and from the neck and belt at the ends.
            float left = Math.Min(shoulders.Min(k => k.X), hips.Min(k => k.X)), right = Math.Max(shoulders.Max(k => k.X), hips.Max(k => k.X));
            float top = shoulders.Average(k => k.Y), bottom = hips.Average(k => k.Y);
            float inset = 0.2f * (right - left), margin = 0.1f * (bottom - top);
            upper = new Region(left + inset, top + margin, right - inset, bottom - margin);
        }
        var feet = new[] { Joint(LeftAnkle), Joint(RightAnkle) }.OfType<Keypoint>().ToList();
        var knees = new[] { Joint(LeftKnee), Joint(RightKnee) }.OfType<Keypoint>().ToList();
        var ends = feet.Count > 0 ? feet : knees;
        if (hips.Count > 0 && ends.Count > 0)
        {
            // Between the hips and the lowest found joint, across the legs (the hips' span, at least a fifth of the box).
            float top = hips.Average(k => k.Y), bottom = ends.Average(k => k.Y);
            float centre = hips.Concat(ends).Average(k => k.X);
            float half = Math.Max(hips.Max(k => k.X) - hips.Min(k => k.X), 0.2f * width) / 2;
            float margin = 0.1f * (bottom - top);
            lower = new Region(centre - half, top + margin, centre + half, bottom - margin);
        }
        return (upper, lower);
    }

    /// <summary>The most frequent colour name over an even grid of the region's pixels inside the frame.</summary>
    public static string? Dominant(VideoFrame frame, Region region)
    {
        ArgumentNullException.ThrowIfNull(frame);
        int x1 = Math.Clamp((int)MathF.Ceiling(region.X1), 0, frame.Width), x2 = Math.Clamp((int)MathF.Floor(region.X2), 0, frame.Width);
        int y1 = Math.Clamp((int)MathF.Ceiling(region.Y1), 0, frame.Height), y2 = Math.Clamp((int)MathF.Floor(region.Y2), 0, frame.Height);
        int w = x2 - x1, h = y2 - y1;
        if (w <= 0 || h <= 0 || w * h < MinimumPixels)
            return null;
        // A grid of at most MaximumSamples points, as square as the region.
        int step = Math.Max(1, (int)Math.Ceiling(Math.Sqrt(w * (double)h / MaximumSamples)));
        var pixels = frame.Pixels.Span;
        var sampled = new List<byte>(3 * MaximumSamples);
        for (int y = y1 + (step / 2); y < y2; y += step)
        {
            for (int x = x1 + (step / 2); x < x2; x += step)
            {
                int offset = ((y * frame.Width) + x) * 3;
                sampled.Add(pixels[offset]);
                sampled.Add(pixels[offset + 1]);
                sampled.Add(pixels[offset + 2]);
            }
        }
        return ColourNames.Dominant(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sampled), MinimumPixels);
    }

    /// <summary>An axis-aligned region in frame pixels.</summary>
    public readonly record struct Region(float X1, float Y1, float X2, float Y2);
}
