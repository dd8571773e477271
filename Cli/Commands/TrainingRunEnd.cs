using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Training;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>What every `train` command does when its run ends: register the exported weights, report, choose the exit code;
/// and where the sample video's teacher labels are.</summary>
internal static class TrainingRunEnd
{
    public static async Task<int> FinishAsync(ParseResult parse, TrainingSummary summary, CancellationToken cancellationToken)
    {
        var stdout = parse.InvocationConfiguration.Output;
        if (summary.Finished && summary.ExportedWeights is { } exported)
            await Pipeline.ModelRegistration.AfterTrainingAsync(parse.GetValue(CommonOptions.Config), exported, stdout, parse.InvocationConfiguration.Error, cancellationToken);
        stdout.WriteLine(summary.Finished
            ? $"finished {summary.Steps} steps in {summary.Elapsed:hh\\:mm\\:ss}; weights: {summary.ExportedWeights}"
            : $"stopped at step {summary.Steps} after {summary.Elapsed:hh\\:mm\\:ss}; run the same command to resume");
        foreach (var (key, value) in summary.Metrics)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key}: {value:0.000}"));
        return summary.Finished ? ExitCodes.Success : ExitCodes.Interrupted;
    }

    /// <summary>The sample video's teacher labels under the shared data folder; a clear error when they are not there.</summary>
    public static string TeacherLabels(DirectoryInfo data)
    {
        string teacher = Path.Combine(data.FullName, "vtest-teacher", "vtest_teacher_0-599.json");
        return File.Exists(teacher)
            ? teacher
            : throw new FileNotFoundException($"Teacher labels '{teacher}' not found; --data must point at ../shared/data.", teacher);
    }
}
