using System.CommandLine;
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
        int exitCode = await parse.InvokeAsync(configuration).ConfigureAwait(false);
        return parse.Errors.Count > 0 ? ExitCodes.BadInput : exitCode;
    }
}
