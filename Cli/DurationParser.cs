using System.Globalization;

namespace UniHCP.Pipeline.Cli;

/// <summary>Parses durations given on the command line: "90", "90s", "2.5m", "1h", "30d" or "00:01:30".</summary>
internal static class DurationParser
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
        double scale = 1;
        if (text.Length > 0 && char.IsLetter(text[^1]))
        {
            scale = char.ToLowerInvariant(text[^1]) switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => double.NaN };
            text = text[..^1];
        }
        if (double.IsNaN(scale) || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || value * scale > TimeSpan.MaxValue.TotalSeconds)
            return false;
        duration = TimeSpan.FromSeconds(value * scale);
        return true;
    }
}
