using System.Globalization;
using UniHCP.Pipeline.Store.Queries;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>
/// Why a query found nothing, when the store can tell: a camera name it has never seen (a typo reads as "no
/// tracks"), or a window that misses every camera's activity (a recorded file keeps its own creation time, which
/// may lie well before the default window of the last 7 days). Null when neither explains it.
/// </summary>
internal static class EmptyResultHint
{
    public static string? For(IReadOnlyList<CameraSummary> cameras, TimeWindow window)
    {
        if (cameras.Count == 0)
            return "note: the store holds no camera yet: `infra/unihcp run` analyses a video into it.";
        var known = cameras.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var unknown = (window.Cameras ?? []).Where(c => !known.Contains(c)).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            return $"note: the store has no camera {string.Join(", ", unknown.Select(c => $"'{c}'"))}; its cameras: "
                + string.Join(", ", cameras.Select(c => c.Id).Take(20)) + (cameras.Count > 20 ? $" and {cameras.Count - 20} more" : "") + ".";
        }
        var asked = window.Cameras is { Count: > 0 } names ? cameras.Where(c => names.Contains(c.Id)).ToList() : cameras.ToList();
        if (asked.Count > 0 && asked.All(c => c.LastSeen < window.From || c.FirstSeen > window.To))
        {
            var first = asked.Min(c => c.FirstSeen);
            var last = asked.Max(c => c.LastSeen);
            return string.Create(CultureInfo.InvariantCulture,
                $"note: the window {Format(window.From)} to {Format(window.To)} misses every camera's activity ({Format(first)} to {Format(last)}): give --from and --to around it.");
        }
        return null;
    }

    private static string Format(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
