using System.CommandLine;
using System.CommandLine.Parsing;
using UniHCP.Pipeline.Cli.Commands;

namespace UniHCP.Pipeline.Cli;

/// <summary>The `unihcp` command tree.</summary>
internal static class UnihcpCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("UniHCP.Pipeline: human-centric video analytics (detection, pose, parsing, attributes, ReID, tracking).")
        {
            RunCommand.Create(),
            AnnotateCommand.Create(),
            StageCommand.Create(),
            IngestCommand.Create(),
            WeightsCommand.Create(),
            TrainCommand.Create(),
            TrackCommand.Create(),
            EvalCommand.Create(),
            LabelCommand.Create(),
            DbCommand.Create(),
            ServeCommand.Create(),
            QueryCommand.Create(),
        };
        root.Options.Add(CommonOptions.Config);
        return root;
    }

    /// <summary>Parses and runs a command line. A command line that does not parse (an unknown option, a missing required
    /// one, a value of the wrong type) exits with <see cref="ExitCodes.BadInput"/> like every other bad input, not
    /// System.CommandLine's 1, which here means that part of the work failed.</summary>
    public static async Task<int> InvokeAsync(string[] args, InvocationConfiguration configuration)
    {
        var parse = Create().Parse(args);
        if (parse.Errors.Count == 0 && parse.GetResult(CommonOptions.Config) is { Implicit: false } && CommandPath(parse) is { } path && !ReadsConfiguration(path))
        {
            (configuration.Error ?? Console.Error).WriteLine($"error: `unihcp {path}` reads no configuration, so --config would have no effect on it; " +
                "its settings are its own options (--help). The configuration is read by run, ingest, stage, serve, query, db, annotate, track, eval counts and train.");
            return ExitCodes.BadInput;
        }
        int exitCode = await parse.InvokeAsync(configuration).ConfigureAwait(false);
        return parse.Errors.Count > 0 ? ExitCodes.BadInput : exitCode;
    }

    // The command's names below the root ("eval mot"); null for the root itself.
    private static string? CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Parent is CommandResult parent; result = parent)
            names.Insert(0, result.Command.Name);
        return names.Count == 0 ? null : string.Join(' ', names);
    }

    // Commands whose settings come (also) from the configuration; --config given to any other would be ignored in silence.
    private static bool ReadsConfiguration(string path) =>
        path is "run" or "annotate" or "ingest" or "serve" or "track" or "eval counts"
        || path.StartsWith("stage", StringComparison.Ordinal) || path.StartsWith("query", StringComparison.Ordinal)
        || path.StartsWith("db", StringComparison.Ordinal) || path.StartsWith("train", StringComparison.Ordinal);
}
