namespace UniHCP.Pipeline.Inference.Processing;

/// <summary>
/// Names the colour of clothing pixels in the words operators search with (black, white, gray,
/// red, orange, yellow, green, blue, purple, pink, brown): each pixel votes by hue, saturation and
/// value; the name with most votes wins. Beyond the paper: UniHCP's parsing says where the upper
/// and lower clothes are, this says what colour they are.
/// </summary>
public static class ColourNames
{
    public static IReadOnlyList<string> All { get; } = ["black", "white", "gray", "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown"];

    public static string Name(byte r, byte g, byte b)
    {
        double rf = r / 255.0, gf = g / 255.0, bf = b / 255.0;
        double max = Math.Max(rf, Math.Max(gf, bf)), min = Math.Min(rf, Math.Min(gf, bf));
        double value = max, chroma = max - min;
        double saturation = max <= 0 ? 0 : chroma / max;
        if (value < 0.2)
            return "black";
        if (saturation < 0.18 || chroma < 0.08)
            return value > 0.78 ? "white" : value < 0.35 ? "black" : "gray";
        double hue = chroma == 0 ? 0
            : max == rf ? 60 * (((gf - bf) / chroma) % 6)
            : max == gf ? 60 * (((bf - rf) / chroma) + 2)
            : 60 * (((rf - gf) / chroma) + 4);
        if (hue < 0)
            hue += 360;
        if (hue < 15 || hue >= 340)
            return value < 0.45 && saturation < 0.6 ? "brown" : "red";
        if (hue < 42)
            return value < 0.65 ? "brown" : "orange";
        if (hue < 70)
            return value < 0.5 ? "brown" : "yellow";
        if (hue < 165)
            return "green";
        if (hue < 255)
            return "blue";
        if (hue < 290)
            return "purple";
        return "pink";
    }

    /// <summary>The most frequent colour among the pixels whose label is in <paramref name="labels"/>,
    /// or null when fewer than <paramref name="minimumPixels"/> pixels qualify.</summary>
    public static string? Dominant(ReadOnlySpan<byte> rgb, ReadOnlySpan<byte> labelMap, IReadOnlySet<int> labels, int minimumPixels)
    {
        Span<int> votes = stackalloc int[All.Count];
        int total = 0;
        for (int i = 0; i < labelMap.Length; i++)
        {
            if (!labels.Contains(labelMap[i]))
                continue;
            votes[IndexOf(Name(rgb[3 * i], rgb[(3 * i) + 1], rgb[(3 * i) + 2]))]++;
            total++;
        }
        return Winner(votes, total, minimumPixels);
    }

    /// <summary>The most frequent colour among all the RGB pixels, or null when there are fewer than
    /// <paramref name="minimumPixels"/>.</summary>
    public static string? Dominant(ReadOnlySpan<byte> rgb, int minimumPixels)
    {
        Span<int> votes = stackalloc int[All.Count];
        for (int i = 0; i + 2 < rgb.Length; i += 3)
            votes[IndexOf(Name(rgb[i], rgb[i + 1], rgb[i + 2]))]++;
        return Winner(votes, rgb.Length / 3, minimumPixels);
    }

    private static string? Winner(ReadOnlySpan<int> votes, int total, int minimumPixels)
    {
        if (total < Math.Max(1, minimumPixels))
            return null;
        int best = 0;
        for (int i = 1; i < votes.Length; i++)
        {
            if (votes[i] > votes[best])
                best = i;
        }
        return All[best];
    }

    private static int IndexOf(string name)
    {
        for (int i = 0; i < All.Count; i++)
        {
            if (ReferenceEquals(All[i], name) || All[i] == name)
                return i;
        }
        throw new InvalidOperationException(name);
    }
}
