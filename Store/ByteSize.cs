using System.Globalization;

namespace UniHCP.Pipeline.Store;

/// <summary>Sizes in configuration: "500MB", "10GB", "2TB" (powers of 1024), "1.5GiB", or plain bytes.</summary>
public static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("TIB", 1L << 40), ("GIB", 1L << 30), ("MIB", 1L << 20), ("KIB", 1L << 10),
        ("TB", 1L << 40), ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("B", 1),
    ];

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        string value = text?.Trim().ToUpperInvariant() ?? "";
        long factor = 1;
        foreach (var (suffix, f) in Units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal))
            {
                value = value[..^suffix.Length].Trim();
                factor = f;
                break;
            }
        }
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || number <= 0 || number * factor > long.MaxValue / 2)
            return false;
        bytes = (long)(number * factor);
        return true;
    }

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.##} GB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.#} MB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
