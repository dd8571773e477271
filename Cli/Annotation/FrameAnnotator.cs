using System.Globalization;
using SkiaSharp;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Cli.Annotation;

/// <summary>Draws what the system saw onto a frame: person boxes coloured by track, track ids, skeletons and the
/// strongest attributes. Labels need a font file; without one the boxes and skeletons are still drawn.</summary>
internal sealed class FrameAnnotator : IDisposable
{
    // COCO's 17 joints: the limbs and the face/shoulder links drawn as the skeleton.
    private static readonly (int A, int B)[] Limbs =
    [
        (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7), (6, 8), (7, 9), (8, 10),
        (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
    ];

    private static readonly string[] FontCandidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ];

    private readonly SKTypeface? _typeface = FontCandidates.Where(File.Exists).Select(SKTypeface.FromFile).FirstOrDefault(t => t is not null);

    public bool HasLabels => _typeface is not null;

    /// <summary>Returns the frame's RGBA pixels with the annotations drawn.</summary>
    public byte[] Draw(VideoFrame frame, IReadOnlyList<PersonObservation> persons, IReadOnlyDictionary<int, long> trackOf)
    {
        var info = new SKImageInfo(frame.Width, frame.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var target = bitmap.GetPixelSpan();
        var source = frame.Pixels.Span;
        for (int i = 0, j = 0; i < source.Length; i += 3, j += 4)
        {
            target[j] = source[i];
            target[j + 1] = source[i + 1];
            target[j + 2] = source[i + 2];
            target[j + 3] = 255;
        }
        using (var canvas = new SKCanvas(bitmap))
        {
            float scale = Math.Max(1f, frame.Height / 480f);
            using var stroke = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = 2 * scale, IsAntialias = true };
            using var fill = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true };
            using var font = _typeface is null ? null : new SKFont(_typeface, 12 * scale);
            foreach (var person in persons)
            {
                long? track = trackOf.TryGetValue(person.DetectionIndex, out long id) ? id : null;
                var colour = track is { } t ? Palette(t) : new SKColor(200, 200, 200);
                stroke.Color = colour;
                var box = person.Box;
                canvas.DrawRect(box.X1, box.Y1, box.Width, box.Height, stroke);
                if (person.Keypoints is { Count: 17 } joints)
                    DrawSkeleton(canvas, joints, stroke, fill, colour, scale);
                if (font is not null)
                    DrawLabel(canvas, font, fill, colour, box, Label(person, track));
            }
        }
        return bitmap.Bytes;
    }

    private static void DrawSkeleton(SKCanvas canvas, IReadOnlyList<Keypoint> joints, SKPaint stroke, SKPaint fill, SKColor colour, float scale)
    {
        foreach (var (a, b) in Limbs)
        {
            if (joints[a].Visible && joints[b].Visible)
                canvas.DrawLine(joints[a].X, joints[a].Y, joints[b].X, joints[b].Y, stroke);
        }
        fill.Color = colour;
        foreach (var joint in joints.Where(j => j.Visible))
            canvas.DrawCircle(joint.X, joint.Y, 2.5f * scale, fill);
    }

    private static void DrawLabel(SKCanvas canvas, SKFont font, SKPaint fill, SKColor colour, BoundingBox box, string text)
    {
        float width = font.MeasureText(text);
        float height = font.Size * 1.25f;
        float top = box.Y1 >= height ? box.Y1 - height : box.Y1;
        fill.Color = colour;
        canvas.DrawRect(box.X1, top, width + 6, height, fill);
        fill.Color = SKColors.Black;
        canvas.DrawText(text, box.X1 + 3, top + font.Size, SKTextAlign.Left, font, fill);
    }

    /// <summary>"#12 0.87 Female Backpack": the track, the score and the attributes above 0.5, strongest first.</summary>
    private static string Label(PersonObservation person, long? track)
    {
        var parts = new List<string> { track is { } t ? $"#{t}" : "?", person.Score.ToString("0.00", CultureInfo.InvariantCulture) };
        if (person.Attributes is { } attributes)
            parts.AddRange(attributes.Where(a => a.Probability >= 0.5f).OrderByDescending(a => a.Probability).Take(3).Select(a => a.Name));
        if (person.Parsing?.UpperColor is { } upper)
            parts.Add(upper + "/" + (person.Parsing.LowerColor ?? "?"));
        return string.Join(' ', parts);
    }

    /// <summary>A stable, distinct colour per track id (golden-ratio hue steps).</summary>
    private static SKColor Palette(long track) => SKColor.FromHsv((float)(track * 137.508 % 360), 85, 95);

    public void Dispose() => _typeface?.Dispose();
}
