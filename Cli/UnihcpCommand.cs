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
}
