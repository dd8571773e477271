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
using UniHCP.Pipeline.Training.ReId;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp train pose` and `unihcp train reid`: teach existing weights a person task on the sample video's
/// teacher labels, by default leaving everything another task reads unchanged.</summary>
internal static class TrainPersonTaskCommand
{
    // What a person-task run needs from the chosen task: its data, the training task, what learns in "heads" mode.
    private sealed record TaskRecipe(ITrainingTask Task, string Source, string Data, IReadOnlyList<string> Heads);

    public static Command Pose() => Create(
        TaskType.Pose, "pose",
        "Teach weights the pose task on ../shared/data/vtest-teacher (MoveNet keypoints of the sample video, frames 0-449; 500-599 held out).",
        "heads (the pose queries, the mask neck and the mask head: nothing detection reads moves; the default)",
        defaultSteps: 1500, defaultLr: 1e-3,
        async (model, spec, teacher, batch, log, cancellationToken) =>
        {
            var samples = await VideoTeacherReader.ReadPoseAsync(teacher, SampleVideo.Locate(), f => DefaultModelRecipe.IsVideoTraining(f) || DefaultModelRecipe.IsVideoValidation(f), cancellationToken);
            var train = samples.Where(s => DefaultModelRecipe.IsVideoTraining(FrameOf(s.Name))).ToList();
            var validation = samples.Where(s => DefaultModelRecipe.IsVideoValidation(FrameOf(s.Name))).ToList();
            log.WriteLine($"vtest teacher keypoints: {train.Count} training frames ({train.Sum(s => s.Persons.Count)} persons), {validation.Count} held-out ({validation.Sum(s => s.Persons.Count)})");
            return new TaskRecipe(new PoseTrainingTask(spec.Name, "vtest", train, validation, batch), "vtest teacher keypoints (MoveNet), frames 0-449",
                $"vtest-teacher: {train.Count} training frames, {validation.Count} held-out",
                // The mask neck and mask head serve only local-map tasks (pose, parsing); detection reads neither.
                ["neck_module.", "decoder_module.predictor.mask_embed.", $"tasks.{spec.Name}."]);
        });

    public static Command Reid() => Create(
        TaskType.ReId, "reid",
        "Teach weights the ReID task on pseudo identities: the sample video's teacher boxes linked into tracklets by our tracker (frames 0-449; 500-599 held out).",
        "heads (the ReID queries only, i.e. prompt tuning: nothing another task reads moves; the default)",
        defaultSteps: 1000, defaultLr: 1e-3,
        async (model, spec, teacher, batch, log, cancellationToken) =>
        {
            var train = await TrackletIdentities.ReadAsync(teacher, SampleVideo.Locate(), DefaultModelRecipe.IsVideoTraining, cancellationToken: cancellationToken);
            var validation = await TrackletIdentities.ReadAsync(teacher, SampleVideo.Locate(), DefaultModelRecipe.IsVideoValidation, cancellationToken: cancellationToken);
            int identities = train.Select(c => c.Identity).Distinct().Count();
            log.WriteLine($"tracklet identities: {identities} training ({train.Count} boxes), {validation.Select(c => c.Identity).Distinct().Count()} held-out ({validation.Count} boxes)");
            int featureWidth = spec.Queries * model.Config.Decoder.Hidden;
            var task = new ReIdTrainingTask(spec.Name, "vtest", train, validation, featureWidth, identities: Math.Max(2, batch / 4), views: 4);
            return new TaskRecipe(task, "vtest teacher boxes linked into tracklets (pseudo identities), frames 0-449",
                $"vtest tracklets: {identities} identities, {train.Count} boxes", [$"tasks.{spec.Name}."]);
        });

    private static Command Create(TaskType type, string name, string description, string headsDescription, int defaultSteps, double defaultLr,
        Func<UniHcpModel, TaskSpec, string, int, TextWriter, CancellationToken, Task<TaskRecipe>> recipe)
    {
        var weights = new Option<FileInfo?>("--weights") { Description = "Weights to start from (default: models/default.safetensors)." };
        var data = new Option<DirectoryInfo>("--data") { Description = "The shared datasets folder (vtest teacher labels).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Run folder (checkpoint, logs, model.safetensors).", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps in all.", DefaultValueFactory = _ => defaultSteps };
        var batch = new Option<int>("--batch-size") { Description = "Person crops per step.", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => defaultLr };
        var evaluateEvery = new Option<int>("--evaluate-every") { Description = "Steps between held-out evaluations.", DefaultValueFactory = _ => 250 };
        var scope = new Option<string>("--train") { Description = $"What learns: {headsDescription} or all (every parameter except the frozen trunk: other tasks change too).", DefaultValueFactory = _ => "heads" };
        scope.AcceptOnlyFromAmong("heads", "all");
        var timeLimit = CommonOptions.Duration();
        timeLimit.Description = "Stop (with a checkpoint) after this long; run the same command again to resume.";
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0: one per core).", DefaultValueFactory = _ => 0 };
        var version = new Option<string>("--version") { Description = $"Version of the exported weights (default: the source's with \"-{name}\")." };
        var optimizer = CommonOptions.Optimizer();
        var command = new Command(name, description) { weights, data, output, steps, batch, lr, evaluateEvery, scope, timeLimit, threads, version, optimizer };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                string path = Pipeline.DefaultWeights.Resolve(parse.GetValue(weights)?.FullName);
                string teacher = TrainingRunEnd.TeacherLabels(parse.GetValue(data)!);
                TorchRuntime.SetThreads(parse.GetValue(threads));
                var (model, metadata) = WeightsFile.Load(path);
                using (model)
                {
                    var spec = model.Tasks.FirstOf(type) ?? throw new ArgumentException($"The weights {metadata.Version} have no {name} task.");
                    var run = await recipe(model, spec, teacher, parse.GetValue(batch), stdout, cancellationToken);
                    bool headsOnly = parse.GetValue(scope) == "heads";
                    var options = new TrainerOptions
                    {
                        OutputDirectory = parse.GetValue(output)!.FullName,
                        Steps = parse.GetValue(steps),
                        LearningRate = parse.GetValue(lr),
                        EvaluateEvery = parse.GetValue(evaluateEvery),
                        TimeLimit = parse.GetValue(timeLimit),
                        Version = parse.GetValue(version) ?? $"{metadata.Version}-{name}",
                        WarmupSteps = 100,
                        TrainableParameters = headsOnly ? run.Heads : [],
                        FrozenEncoderParts = model.TrunkParts,
                        BFloat16 = CpuFeatures.HasFastBFloat16,
                        // Weights that run detection with a constant attention prior keep it (person tasks do not read it).
                        AttentionPrior = model.DetectionAttentionPrior,
                        AttentionPriorFade = 0,
                        Optimizer = parse.GetValue(optimizer)!,
                    };
                    options.Validate();
                    var trained = metadata with
                    {
                        Tasks = metadata.Tasks.Select(t => t.Name == spec.Name ? t with { Trained = true, Source = run.Source } : t).ToList(),
                        // The source's own training record (steps, options, wall time) describes the earlier run: kept under
                        // "earlier.<source version>."; its metrics stay in training.metrics, merged with this run's.
                        Provenance = new Dictionary<string, string>(metadata.Provenance.Select(p =>
                            p.Key.StartsWith("training.", StringComparison.Ordinal) && p.Key != "training.metrics" ? new KeyValuePair<string, string>($"earlier.{metadata.Version}.{p.Key}", p.Value) : p), StringComparer.Ordinal)
                        {
                            [$"{name}.data"] = run.Data,
                            [$"{name}.trained_parameters"] = headsOnly ? string.Join(", ", run.Heads) : "all but the trunk",
                            [$"{name}.source_weights"] = metadata.Version,
                        },
                    };
                    var summary = new Trainer(model, trained, [run.Task], options, stdout).Run(cancellationToken);
                    return await TrainingRunEnd.FinishAsync(parse, summary, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or FormatException or DatasetFormatException)
            {
                return ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex);
            }
        });
        return command;
    }

    private static long FrameOf(string name) => long.Parse(name["frame_".Length..], CultureInfo.InvariantCulture);
}
