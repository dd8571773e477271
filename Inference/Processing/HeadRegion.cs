using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Inference.Processing;

/// <summary>
/// Where a person's head is in their box, for blurring: from pose keypoints when the head's (COCO nose, eyes, ears) are
/// seen, widened to a head's size (the span of the seen head points, at least a third of the shoulder width or of the
/// box) and taken down to the shoulders; otherwise the top 22 % of the box across its width (a standing person's head
/// is about an eighth of their height; the margin covers a bent or half-hidden one).
/// </summary>
public static class HeadRegion
{
    private const float MinScore = 0.3f;
    private const float TopShare = 0.22f;

    /// <summary>The head's box in frame pixels, clamped to <paramref name="box"/>.</summary>
    public static BoundingBox Find(BoundingBox box, IReadOnlyList<Keypoint>? keypoints)
    {
        var head = keypoints is { Count: >= 5 } ? keypoints.Take(5).Where(Seen).ToList() : [];
        if (head.Count == 0)
            return box with { Y2 = box.Y1 + (box.Height * TopShare) };
        float minX = head.Min(k => k.X), maxX = head.Max(k => k.X), minY = head.Min(k => k.Y), maxY = head.Max(k => k.Y);
        float shoulders = keypoints!.Count >= 7 && Seen(keypoints[5]) && Seen(keypoints[6]) ? MathF.Abs(keypoints[5].X - keypoints[6].X) : 0;
        float size = Math.Max(Math.Max(maxX - minX, maxY - minY) * 1.6f, Math.Max(shoulders * 0.6f, box.Width * 0.35f));
        float cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
        float bottom = cy + (size * 0.6f);
        if (shoulders > 0)
            bottom = Math.Max(bottom, Math.Min(keypoints![5].Y, keypoints[6].Y));
        return new BoundingBox(
            Math.Clamp(cx - (size / 2), box.X1, box.X2), Math.Clamp(cy - (size * 0.75f), box.Y1, box.Y2),
            Math.Clamp(cx + (size / 2), box.X1, box.X2), Math.Clamp(bottom, box.Y1, box.Y2));
    }

    /// <summary>Replaces the region of an RGB image with blocks of its mean colour, about 4 blocks across the region
    /// (at least 3 px each): a face is not recognisable, the image still shows a person with a head.</summary>
    public static void Pixelate(byte[] pixels, int width, int height, int x1, int y1, int x2, int y2)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        x1 = Math.Clamp(x1, 0, width);
        x2 = Math.Clamp(x2, x1, width);
        y1 = Math.Clamp(y1, 0, height);
        y2 = Math.Clamp(y2, y1, height);
        int block = Math.Max(3, (int)MathF.Ceiling(Math.Max(x2 - x1, y2 - y1) / 4f));
        for (int by = y1; by < y2; by += block)
        {
            for (int bx = x1; bx < x2; bx += block)
            {
                int ex = Math.Min(bx + block, x2), ey = Math.Min(by + block, y2);
                long r = 0, g = 0, b = 0;
                int n = (ex - bx) * (ey - by);
                for (int y = by; y < ey; y++)
                {
                    for (int x = bx; x < ex; x++)
                    {
                        int i = ((y * width) + x) * 3;
                        r += pixels[i];
                        g += pixels[i + 1];
                        b += pixels[i + 2];
                    }
                }
                for (int y = by; y < ey; y++)
                {
                    for (int x = bx; x < ex; x++)
                    {
                        int i = ((y * width) + x) * 3;
                        pixels[i] = (byte)(r / n);
                        pixels[i + 1] = (byte)(g / n);
                        pixels[i + 2] = (byte)(b / n);
                    }
                }
            }
        }
    }

    private static bool Seen(Keypoint k) => k.Visible && k.Score >= MinScore && float.IsFinite(k.X) && float.IsFinite(k.Y);
}
