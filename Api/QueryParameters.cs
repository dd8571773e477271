using System.Globalization;
using UniHCP.Pipeline.Store.Queries;

namespace UniHCP.Pipeline.Api;

/// <summary>
/// Parses query-string values (taken as strings so that a bad value gets a message naming the
/// parameter and the expected form, not a bare 400). Times are ISO 8601; without an offset they
/// are UTC; a date alone means its midnight UTC.
/// </summary>
public static class QueryParameters
{
    /// <summary>The window when none is given: the last seven days.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(7);

    public static DateTimeOffset? Time(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        if (value.Length <= 40 && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            return time;
        throw new QueryValidationException(name, $"'{QueryValidationException.Shorten(value)}' is not a time; use ISO 8601 such as 2026-11-20T10:00:00Z or 2026-11-20.");
    }

    public static TimeWindow Window(string? from, string? to, IReadOnlyList<string>? cameras, DateTimeOffset now)
    {
        var end = Time(to, "to") ?? now;
        var start = Time(from, "from") ?? end - DefaultWindow;
        var list = cameras?.Where(c => !string.IsNullOrWhiteSpace(c)).SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();
        var window = new TimeWindow(start, end, list is { Count: > 0 } ? list : null);
        window.Validate();
        return window;
    }

    public static int Int(string? value, string name, int fallback, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
            return fallback;
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) || parsed < min || parsed > max)
            throw new QueryValidationException(name, $"{name} must be a whole number from {min} to {max} (got '{QueryValidationException.Shorten(value)}').");
        return parsed;
    }

    public static long Long(string? value, string name)
    {
        if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) || parsed < 0)
            throw new QueryValidationException(name, $"{name} must be a non-negative whole number (got '{QueryValidationException.Shorten(value ?? "")}').");
        return parsed;
    }

    public static double Double(string? value, string name, double fallback, double min, double max)
    {
        if (string.IsNullOrWhiteSpace(value))
            return fallback;
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) || double.IsNaN(parsed) || parsed < min || parsed > max)
            throw new QueryValidationException(name, $"{name} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (got '{QueryValidationException.Shorten(value)}').");
        return parsed;
    }

    public static bool Bool(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
            return false;
        if (bool.TryParse(value, out bool parsed))
            return parsed;
        throw new QueryValidationException(name, $"{name} must be true or false (got '{QueryValidationException.Shorten(value)}').");
    }

    public static Paging Paging(string? page, string? pageSize)
    {
        var paging = new Paging(Int(page, "page", 1, 1, 100_000), Int(pageSize, "pageSize", 50, 1, Store.Queries.Paging.MaxPageSize));
        paging.Validate();
        return paging;
    }

    /// <summary>A bucket such as "30s", "5m", "1h", "1d" or a TimeSpan ("00:05:00").</summary>
    public static TimeSpan? Bucket(string? value) => Span(value, "bucket", "a bucket size");

    /// <summary>A duration given as <see cref="Bucket"/>s are; <paramref name="fallback"/> when not given.</summary>
    public static TimeSpan Duration(string? value, string name, TimeSpan fallback) => Span(value, name, "a duration") ?? fallback;

    private static TimeSpan? Span(string? value, string name, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        string v = value.Trim();
        if (v.Length is >= 2 and <= 12 && double.TryParse(v[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n > 0)
        {
            TimeSpan? span = char.ToLowerInvariant(v[^1]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
            if (span is not null)
                return span;
        }
        if (v.Length <= 20 && TimeSpan.TryParse(v, CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero)
            return parsed;
        throw new QueryValidationException(name, $"'{QueryValidationException.Shorten(value)}' is not {what}; use 30s, 5m, 1h or 1d.");
    }
}
