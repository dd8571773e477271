using System.CommandLine;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    /// <summary>--config: an appsettings.json-style file that overrides the defaults.</summary>
    public static Option<FileInfo?> Config { get; } = new("--config", "-c")
    {
        Description = "Configuration file (JSON, appsettings.json layout). Default: ./appsettings.json when present.",
        Recursive = true,
    };

    /// <summary>--duration: stop after this long.</summary>
    public static Option<TimeSpan?> Duration() => new("--duration")
    {
        Description = "Stop after this long: 90, 90s, 2m, 1h or 00:01:30. Default: until the sources end (files) or Ctrl+C (live).",
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (DurationParser.TryParse(text, out var duration))
                return duration;
            result.AddError($"--duration '{text}' is not a duration; use e.g. 90, 90s, 2m, 1h or 00:01:30.");
            return null;
        },
    };
}
