namespace UniHCP.Pipeline.Core.Events;

/// <summary>The names of <see cref="ZoneEventKind"/> in the API, CSV, webhooks and configuration: enter, exit, dwell,
/// line-in, line-out, crowding.</summary>
public static class ZoneEventKinds
{
    public static string Name(ZoneEventKind kind) => kind switch
    {
        ZoneEventKind.Enter => "enter",
        ZoneEventKind.Exit => "exit",
        ZoneEventKind.Dwell => "dwell",
        ZoneEventKind.LineIn => "line-in",
        ZoneEventKind.LineOut => "line-out",
        ZoneEventKind.Crowding => "crowding",
        _ => kind.ToString(),
    };

    /// <summary>The kind of a name (any case), or null.</summary>
    public static ZoneEventKind? Parse(string? name)
    {
        string wanted = name?.Trim().ToLowerInvariant() ?? "";
        foreach (var kind in Enum.GetValues<ZoneEventKind>())
        {
            if (Name(kind) == wanted)
                return kind;
        }
        return null;
    }
}
