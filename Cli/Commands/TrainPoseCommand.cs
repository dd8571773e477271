using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Pose;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp train pose`: teaches existing weights the pose task on the sample video's teacher keypoints, leaving
/// everything another task reads unchanged.</summary>
internal static class TrainPoseCommand
{
    public static Command Create()
    {
        var weights = new Option<FileInfo?>("--weights") { Description = "Weights to start from (default: models/default.safetensors)." };
        var data = new Option<DirectoryInfo>("--data") { Description = "The shared datasets folder (vtest teacher keypoints).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Run folder (checkpoint, logs, model.safetensors).", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps in all.", DefaultValueFactory = _ => 1500 };
        var batch = new Option<int>("--batch-size") { Description = "Person crops per step.", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-3 };
        var evaluateEvery = new Option<int>("--evaluate-every") { Description = "Steps between held-out evaluations.", DefaultValueFactory = _ => 250 };
        var scope = new Option<string>("--train") { Description = "What learns: heads (the pose queries, the mask neck and the mask head: nothing detection reads moves; the default) or all (every parameter except the frozen trunk: detection changes too).", DefaultValueFactory = _ => "heads" };
        scope.AcceptOnlyFromAmong("heads", "all");
        var timeLimit = CommonOptions.Duration();
        timeLimit.Description = "Stop (with a checkpoint) after this long; run the same command again to resume.";
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0: one per core).", DefaultValueFactory = _ => 0 };
        var version = new Option<string>("--version") { Description = "Version of the exported weights (default: the source's with \"-pose\")." };
        var command = new Command("pose", "Teach weights the pose task on ../shared/data/vtest-teacher (MoveNet keypoints of the sample video, frames 0-449; 500-599 held out).")
        {
            weights, data, output, steps, batch, lr, evaluateEvery, scope, timeLimit, threads, version,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                string path = Pipeline.DefaultWeights.Resolve(parse.GetValue(weights)?.FullName);
                string teacher = Path.Combine(parse.GetValue(data)!.FullName, "vtest-teacher", "vtest_teacher_0-599.json");
                if (!File.Exists(teacher))
                    throw new FileNotFoundException($"Teacher labels '{teacher}' not found; --data must point at ../shared/data.", teacher);
                TorchRuntime.SetThreads(parse.GetValue(threads));
                var (model, metadata) = WeightsFile.Load(path);
                using (model)
                {
                    var pose = model.Tasks.FirstOf(TaskType.Pose) ?? throw new ArgumentException($"The weights {metadata.Version} have no pose task.");
                    var samples = await VideoTeacherReader.ReadPoseAsync(teacher, SampleVideo.Locate(), f => DefaultModelRecipe.IsVideoTraining(f) || DefaultModelRecipe.IsVideoValidation(f), cancellationToken);
                    var train = samples.Where(s => DefaultModelRecipe.IsVideoTraining(FrameOf(s))).ToList();
                    var validation = samples.Where(s => DefaultModelRecipe.IsVideoValidation(FrameOf(s))).ToList();
                    stdout.WriteLine($"vtest teacher keypoints: {train.Count} training frames ({train.Sum(s => s.Persons.Count)} persons), {validation.Count} held-out ({validation.Sum(s => s.Persons.Count)})");
                    bool headsOnly = parse.GetValue(scope) == "heads";
                    var options = new TrainerOptions
                    {
                        OutputDirectory = parse.GetValue(output)!.FullName,
                        Steps = parse.GetValue(steps),
                        LearningRate = parse.GetValue(lr),
                        EvaluateEvery = parse.GetValue(evaluateEvery),
                        TimeLimit = parse.GetValue(timeLimit),
                        Version = parse.GetValue(version) ?? $"{metadata.Version}-pose",
                        WarmupSteps = 100,
                        // The mask neck and mask head serve only local-map tasks (pose, parsing); detection reads neither.
                        TrainableParameters = headsOnly ? ["neck_module.", "decoder_module.predictor.mask_embed.", $"tasks.{pose.Name}."] : [],
                        FrozenEncoderParts = model.TrunkParts,
                        BFloat16 = CpuFeatures.HasFastBFloat16,
                        // Weights that run detection with a constant attention prior keep it (pose does not read it).
                        AttentionPrior = model.DetectionAttentionPrior,
                        AttentionPriorFade = 0,
                    };
                    options.Validate();
                    var trained = metadata with
                    {
                        Tasks = metadata.Tasks.Select(t => t.Name == pose.Name ? t with { Trained = true, Source = "vtest teacher keypoints (MoveNet), frames 0-449" } : t).ToList(),
                        // The source's own training record (steps, options, wall time) describes the earlier run: kept under
                        // "earlier."; its metrics stay in training.metrics, merged with this run's.
                        Provenance = new Dictionary<string, string>(metadata.Provenance.Select(p =>
                            p.Key.StartsWith("training.", StringComparison.Ordinal) && p.Key != "training.metrics" ? new KeyValuePair<string, string>("earlier." + p.Key, p.Value) : p), StringComparer.Ordinal)
                        {
                            ["pose.data"] = $"vtest-teacher: {train.Count} training frames, {validation.Count} held-out",
                            ["pose.trained_parameters"] = headsOnly ? string.Join(", ", options.TrainableParameters) : "all but the trunk",
                            ["pose.source_weights"] = metadata.Version,
                        },
                    };
                    var task = new PoseTrainingTask(pose.Name, "vtest", train, validation, parse.GetValue(batch));
                    var summary = new Trainer(model, trained, [task], options, stdout).Run(cancellationToken);
                    stdout.WriteLine(summary.Finished
                        ? $"finished {summary.Steps} steps in {summary.Elapsed:hh\\:mm\\:ss}; weights: {summary.ExportedWeights}"
                        : $"stopped at step {summary.Steps} after {summary.Elapsed:hh\\:mm\\:ss}; run the same command to resume");
                    foreach (var (key, value) in summary.Metrics)
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key}: {value:0.000}"));
                    return summary.Finished ? ExitCodes.Success : ExitCodes.Interrupted;
                }
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or FormatException or DatasetFormatException)
            {
                return ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex);
            }
        });
        return command;
    }

    private static long FrameOf(PoseSample sample) => long.Parse(sample.Name["frame_".Length..], CultureInfo.InvariantCulture);
}
