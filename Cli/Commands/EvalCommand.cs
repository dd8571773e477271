using System.CommandLine;
using UniHCP.Pipeline.Tracking.Mot;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp eval ...`: standard metrics of results against ground truth.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var command = new Command("eval", "Score results against ground truth with the standard metrics.");
        command.Subcommands.Add(Mot());
        return command;
    }

    private static Command Mot()
    {
        var gt = new Option<FileInfo[]>("--gt") { Description = "Ground truth (MOTChallenge gt.txt); repeat with --res for several sequences.", Required = true, Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true };
        var res = new Option<FileInfo[]>("--res") { Description = "Tracker results (MOTChallenge format), in the order of --gt.", Required = true, Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true };
        var command = new Command("mot", "CLEAR MOT, identity (IDF1) and HOTA metrics as the official MOTChallenge evaluation computes them.") { gt, res };
        command.SetAction((parse, _) =>
        {
            var truths = parse.GetValue(gt)!;
            var results = parse.GetValue(res)!;
            try
            {
                if (truths.Length != results.Length)
                    throw new ArgumentException($"{truths.Length} --gt files but {results.Length} --res files; give them in pairs.");
                var rows = new List<(string, MotMetrics)>();
                var allGt = new List<MotRow>();
                var allRes = new List<MotRow>();
                for (int i = 0; i < truths.Length; i++)
                {
                    var g = MotFile.Read(truths[i].FullName);
                    var r = MotFile.Read(results[i].FullName);
                    rows.Add((Path.GetFileName(Path.GetDirectoryName(truths[i].FullName) ?? truths[i].Name) ?? truths[i].Name, MotEvaluator.Evaluate(g, r)));
                    MotCombination.Append(allGt, allRes, g, r, i);
                }
                if (truths.Length > 1)
                    rows.Add(("OVERALL", MotEvaluator.Evaluate(allGt, allRes)));
                MotTable.Write(parse.InvocationConfiguration.Output, rows);
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception ex) when (ex is FileNotFoundException or FormatException or ArgumentException)
            {
                return Task.FromResult(ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex));
            }
        });
        return command;
    }
}
