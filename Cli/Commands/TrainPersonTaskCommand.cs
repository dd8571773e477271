using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Parsing;
using UniHCP.Pipeline.Training.Pose;
using UniHCP.Pipeline.Training.ReId;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp train pose`, `unihcp train reid` and `unihcp train parsing`: teach existing weights a person task
/// (on the sample video's teacher labels, or a LIP/CIHP folder for parsing), alone or jointly with other person tasks
/// (`--with`, per-task loss weights), by default training only what those tasks read.</summary>
internal static class TrainPersonTaskCommand
{
    // What a person-task run needs from the chosen task: its data, the training task, what learns in "heads" mode.
    private sealed record TaskRecipe(ITrainingTask Task, string Source, string Data, IReadOnlyList<string> Heads);

    private delegate Task<TaskRecipe> RecipeBuilder(UniHcpModel model, TaskSpec spec, DirectoryInfo data, int batch, ParseResult parse, TextWriter log, CancellationToken cancellationToken);

    // ExtraOptions: options only this task's own command has (made anew for each command tree).
    private sealed record PersonTask(TaskType Type, string Name, string Description, string HeadsDescription, int DefaultSteps, double DefaultLr, int DefaultBatch, double DefaultLossWeight, RecipeBuilder Build, Func<Option[]>? ExtraOptions = null);

    // The mask neck and the mask head serve only the local-map tasks (pose, parsing); detection reads neither.
    private static readonly string[] s_maskHeads = ["neck_module.", "decoder_module.predictor.mask_embed."];

    private static readonly PersonTask s_pose = new(
        TaskType.Pose, "pose",
        "Teach weights the pose task on ../shared/data/vtest-teacher (MoveNet keypoints of the sample video, frames 0-449; 500-599 held out), on scenes labelled by `unihcp label` (--scenes) or on a COCO keypoint file (--coco).",
        "heads (the pose queries with pose's own encoder where it has one, the mask neck and the mask head, which parsing shares: nothing detection reads moves; the default)",
        DefaultSteps: 1500, DefaultLr: 1e-3, DefaultBatch: 16,
        // Heatmap MSE runs about 1e-3 of the other tasks' losses: weighted up so that in a joint step (after the
        // gradient clip) pose still gets its share, as the release's per-dataset weights (0.25 .. 1.44e6) do.
        DefaultLossWeight: 1000,
        async (model, spec, data, batch, parse, log, cancellationToken) =>
        {
            string[] heads = [.. s_maskHeads, $"tasks.{spec.Name}."];
            double rotation = OptionNumber(parse, "--rotation", 0), halfBody = OptionNumber(parse, "--half-body", 0);
            PoseTrainingTask Task(string dataset, IReadOnlyList<PoseSample> train, IReadOnlyList<PoseSample> validation) =>
                new(spec.Name, dataset, train, validation, batch) { RotationDegrees = rotation, HalfBodyProbability = halfBody };
            var coco = OptionValue<FileInfo>(parse, "--coco");
            List<PoseSample> cocoSamples = [];
            if (coco is not null)
                cocoSamples = CocoPoseReader.Read(coco.FullName, OptionValue<DirectoryInfo>(parse, "--images")?.FullName ?? coco.DirectoryName!);
            if (coco is not null && OptionValue<DirectoryInfo>(parse, "--scenes") is null)
            {
                // A site's own (or any) human-annotated COCO keypoint file: every fifth image held out.
                var all = cocoSamples;
                if (all.Count < 2)
                    throw new ArgumentException($"'{coco.FullName}' has {all.Count} image(s) with a labelled person; at least two are needed (one is held out).");
                var (cocoTrain, cocoValidation) = HeldOut.EveryFifth(all);
                string name = Path.GetFileNameWithoutExtension(coco.Name);
                log.WriteLine($"{coco.FullName}: {cocoTrain.Count} training images ({cocoTrain.Sum(s => s.Persons.Count)} persons), {cocoValidation.Count} held out ({cocoValidation.Sum(s => s.Persons.Count)}; every fifth image)");
                return new TaskRecipe(Task(name, cocoTrain, cocoValidation), $"{coco.Name} (human annotations), {cocoTrain.Count} images",
                    $"{coco.FullName}: {cocoTrain.Count} training images, {cocoValidation.Count} held-out", heads);
            }
            if (OptionValue<DirectoryInfo>(parse, "--scenes") is { } scenes)
            {
                var heldOut = (OptionValue<string>(parse, "--held-out-scenes") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                var (sceneTrain, sceneValidation) = await ScenePoseReader.ReadFolderAsync(scenes.FullName, OptionValue<DirectoryInfo>(parse, "--videos")?.FullName, new SceneSplit(), heldOut, log, cancellationToken);
                if (sceneTrain.Count == 0 || sceneValidation.Count == 0)
                    throw new ArgumentException($"'{scenes.FullName}' gives {sceneTrain.Count} training and {sceneValidation.Count} validation frames with keypoints; both are needed.");
                string validates = heldOut.Count > 0 ? $"held out whole: {string.Join(", ", heldOut.Order(StringComparer.Ordinal))}" : "each scene's last 20 %";
                log.WriteLine($"scene keypoints: {sceneTrain.Count} training frames ({sceneTrain.Sum(s => s.Persons.Count)} persons), {sceneValidation.Count} validation ({sceneValidation.Sum(s => s.Persons.Count)}; {validates})");
                // With --coco too, every image of that file trains beside the scenes' frames (each person of either as
                // likely to be drawn); the scenes validate.
                string also = coco is null ? string.Empty : $" and {coco.Name} (all {cocoSamples.Count} images)";
                if (coco is not null)
                    log.WriteLine($"{coco.FullName}: {cocoSamples.Count} images ({cocoSamples.Sum(s => s.Persons.Count)} persons) train beside the scenes");
                return new TaskRecipe(Task("scenes", [.. sceneTrain, .. cocoSamples], sceneValidation), $"teacher keypoints (MoveNet on crops) of the scenes in {scenes.Name}{also}",
                    $"scenes {scenes.FullName}: {sceneTrain.Count} training frames ({sceneTrain.Sum(s => s.Persons.Count)} persons){also}; validation {validates}; "
                    + string.Join("; ", SceneLabelReader.Teachers(scenes.FullName).Select(t => "labelled by " + t)), heads);
            }
            string teacher = TrainingRunEnd.TeacherLabels(data);
            var samples = await VideoTeacherReader.ReadPoseAsync(teacher, SampleVideo.Locate(), f => DefaultModelRecipe.IsVideoTraining(f) || DefaultModelRecipe.IsVideoValidation(f), cancellationToken);
            var train = samples.Where(s => DefaultModelRecipe.IsVideoTraining(FrameOf(s.Name))).ToList();
            var validation = samples.Where(s => DefaultModelRecipe.IsVideoValidation(FrameOf(s.Name))).ToList();
            log.WriteLine($"vtest teacher keypoints: {train.Count} training frames ({train.Sum(s => s.Persons.Count)} persons), {validation.Count} held-out ({validation.Sum(s => s.Persons.Count)})");
            return new TaskRecipe(Task("vtest", train, validation), "vtest teacher keypoints (MoveNet), frames 0-449",
                $"vtest-teacher: {train.Count} training frames, {validation.Count} held-out", heads);
        },
        () =>
        [
            new Option<FileInfo?>("--coco") { Description = "Train on a COCO keypoint file (human annotations: a site's own export, COCO, OCHuman ...; COCO's 17 joints first) instead of the sample video's teacher labels; every fifth image is held out. Its images are decoded up front: for hundreds to a few thousand images." },
            new Option<DirectoryInfo?>("--images") { Description = "The --coco file's images (default: its folder); found by file_name, or by its trailing path parts." },
            new Option<DirectoryInfo?>("--scenes") { Description = "Train on the keypoints of a folder of `unihcp label` files (one per video) instead: the first 75 % of each clip trains; the scenes of --held-out-scenes validate whole, else each clip's last 20 %. With --coco as well, all of that file's images train beside them." },
            new Option<DirectoryInfo?>("--videos") { Description = "Where the --scenes videos are when they are no longer where the label files say (looked up by file name)." },
            new Option<string?>("--held-out-scenes") { Description = "With --scenes: scenes (label file names, comma-separated) that only validate, whole." },
            Bounded(new Option<double>("--rotation") { Description = "Turn half of the training views by up to this many degrees (0-90; 0: none).", DefaultValueFactory = _ => 0 }, 0, 90),
            new Option<bool>("--own-encoder") { Description = "Give pose its own copy of the encoder first (ResNet-18 configurations; +2.8 M parameters, about +6 MB in float16) and let it learn with the pose heads: pose then gets encoder features of its own while detection, ReID and colours keep reading the shared encoder unchanged. Weights whose pose already has one train it without this option." },
            Bounded(new Option<double>("--own-encoder-stride") { Description = "With --own-encoder (or weights whose pose has one): the token stride of pose's own encoder, 16 (the shared encoder's) or 8 - stage 2 joins its pyramid and pose gets a mask neck of its own: keypoints from a 32 x 24 grid on a 256 x 192 crop instead of 16 x 12; 0: keep what the weights have.", DefaultValueFactory = _ => 0 }, 0, 16),
            Bounded(new Option<double>("--half-body") { Description = "Share of the training views that frame only the upper or the lower body (0-1), for persons with at least 8 labelled joints.", DefaultValueFactory = _ => 0 }, 0, 1),
        ]);

    private static readonly PersonTask s_reid = new(
        TaskType.ReId, "reid",
        "Teach weights the ReID task: on a Market-1501-layout folder's bounding_box_train when --data is one, on a MOTChallenge training sequence's identities when --data is one (seqinfo.ini, gt/gt.txt, img1/; every fifth identity held out), else on pseudo identities - the sample video's teacher boxes linked into tracklets by our tracker (frames 0-449; 500-599 held out), or every labelled scene's with --scenes.",
        "heads (the ReID queries only, i.e. prompt tuning: nothing another task reads moves; the default)",
        DefaultSteps: 1000, DefaultLr: 1e-3, DefaultBatch: 16, DefaultLossWeight: 1,
        async (model, spec, data, batch, parse, log, cancellationToken) =>
        {
            int featureWidth = spec.Queries * model.Config.Decoder.Hidden;
            if (Market1501Crops.IsDataset(data.FullName))
            {
                // A Market-1501-layout folder: bounding_box_train's identities; every fifth identity held out.
                var (marketTrain, marketValidation) = HeldOut.Identities(Market1501Crops.ReadTraining(data.FullName));
                int marketIdentities = marketTrain.Select(c => c.Identity).Distinct().Count();
                string marketName = Path.GetFileName(data.FullName.TrimEnd('/'));
                log.WriteLine($"{data.FullName}: {marketIdentities} training identities ({marketTrain.Count} crops), {marketValidation.Select(c => c.Identity).Distinct().Count()} held out ({marketValidation.Count} crops); score query/ against bounding_box_test/ with `eval reid`");
                var marketTask = new ReIdTrainingTask(spec.Name, marketName, marketTrain, marketValidation, featureWidth, identities: Math.Max(2, batch / 4), views: 4, splitFrame: 1);
                return new TaskRecipe(marketTask, $"{marketName} bounding_box_train identities", $"{data.FullName}: {marketIdentities} identities, {marketTrain.Count} crops", [$"tasks.{spec.Name}."]);
            }
            if (File.Exists(Path.Combine(data.FullName, "seqinfo.ini")))
            {
                // A MOTChallenge training sequence: real identities; every fifth identity held out.
                var crops = MotIdentityCrops.Read(data.FullName, cancellationToken: cancellationToken);
                var (motTrain, motValidation) = HeldOut.Identities(crops);
                int motIdentities = motTrain.Select(c => c.Identity).Distinct().Count();
                log.WriteLine($"{data.FullName}: {motIdentities} training identities ({motTrain.Count} crops), {motValidation.Select(c => c.Identity).Distinct().Count()} held out ({motValidation.Count} crops)");
                var motTask = new ReIdTrainingTask(spec.Name, Path.GetFileName(data.FullName.TrimEnd('/')), motTrain, motValidation, featureWidth, identities: Math.Max(2, batch / 4), views: 4, splitFrame: 1);
                return new TaskRecipe(motTask, $"{Path.GetFileName(data.FullName.TrimEnd('/'))} ground-truth identities", $"{data.FullName}: {motIdentities} identities, {motTrain.Count} crops", [$"tasks.{spec.Name}."]);
            }
            if (OptionValue<DirectoryInfo>(parse, "--scenes") is { } scenes)
            {
                var heldOut = (OptionValue<string>(parse, "--held-out-scenes") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                var (sceneTrain, sceneValidation) = await SceneIdentityReader.ReadFolderAsync(scenes.FullName, OptionValue<DirectoryInfo>(parse, "--videos")?.FullName, heldOut, log, cancellationToken: cancellationToken);
                int sceneIdentities = sceneTrain.Select(c => c.Identity).Distinct().Count();
                int validationIdentities = sceneValidation.Select(c => c.Identity).Distinct().Count();
                if (sceneIdentities < 2 || validationIdentities < 2)
                    throw new ArgumentException($"'{scenes.FullName}' gives {sceneIdentities} training and {validationIdentities} held-out tracklet identities; at least two of each are needed.");
                log.WriteLine($"scene tracklet identities: {sceneIdentities} training ({sceneTrain.Count} boxes), {validationIdentities} held-out ({sceneValidation.Count} boxes; each tracklet's first half queries its second)");
                var sceneTask = new ReIdTrainingTask(spec.Name, "scenes", sceneTrain, sceneValidation, featureWidth, identities: Math.Max(2, batch / 4), views: 4, splitFrame: SceneIdentityReader.ValidationSplitFrame);
                return new TaskRecipe(sceneTask, $"teacher boxes of the scenes in {scenes.Name} linked into tracklets (pseudo identities, one set per scene)",
                    $"scenes {scenes.FullName}: {sceneIdentities} tracklet identities, {sceneTrain.Count} boxes; held out whole: {string.Join(", ", heldOut.Order(StringComparer.Ordinal))}; "
                    + string.Join("; ", SceneLabelReader.Teachers(scenes.FullName).Select(t => "labelled by " + t)), [$"tasks.{spec.Name}."]);
            }
            string teacher = TrainingRunEnd.TeacherLabels(data);
            var train = await TrackletIdentities.ReadAsync(teacher, SampleVideo.Locate(), DefaultModelRecipe.IsVideoTraining, cancellationToken: cancellationToken);
            var validation = await TrackletIdentities.ReadAsync(teacher, SampleVideo.Locate(), DefaultModelRecipe.IsVideoValidation, cancellationToken: cancellationToken);
            int identities = train.Select(c => c.Identity).Distinct().Count();
            log.WriteLine($"tracklet identities: {identities} training ({train.Count} boxes), {validation.Select(c => c.Identity).Distinct().Count()} held-out ({validation.Count} boxes)");
            var task = new ReIdTrainingTask(spec.Name, "vtest", train, validation, featureWidth, identities: Math.Max(2, batch / 4), views: 4);
            return new TaskRecipe(task, "vtest teacher boxes linked into tracklets (pseudo identities), frames 0-449",
                $"vtest tracklets: {identities} identities, {train.Count} boxes", [$"tasks.{spec.Name}."]);
        },
        () =>
        [
            new Option<DirectoryInfo?>("--scenes") { Description = "Train on pseudo identities of a folder of `unihcp label` files instead: each scene's teacher boxes linked into tracklets by our tracker, one identity set per scene; the scenes of --held-out-scenes (required) validate, each tracklet's first half querying its second." },
            new Option<DirectoryInfo?>("--videos") { Description = "Where the --scenes videos are when they are no longer where the label files say (looked up by file name)." },
            new Option<string?>("--held-out-scenes") { Description = "With --scenes: scenes (label file names, comma-separated) that only validate." },
        ]);

    private static readonly PersonTask s_parsing = new(
        TaskType.Parsing, "parsing",
        "Teach weights the parsing task on a LIP/CIHP folder (list/train.txt, images/, labels/): --data/parsing-cihp, or --data itself when it holds list/train.txt. list/val.txt is held out when it names other images, else every fifth image.",
        "heads (the parsing queries, the mask neck and the mask head, which pose shares - add --with pose to keep pose learning in the same steps; the default)",
        DefaultSteps: 500, DefaultLr: 1e-3, DefaultBatch: 4, DefaultLossWeight: 1,
        (model, spec, data, batch, parse, log, cancellationToken) =>
        {
            string root = ParsingListReader.DatasetFolder(data.FullName);
            var (train, validation, split) = ParsingListReader.ReadSplits(root, spec.Queries);
            log.WriteLine($"{root}: {train.Count} training and {validation.Count} held-out images ({split})");
            var task = new ParsingTrainingTask(spec.Name, Path.GetFileName(root), train, validation, batch);
            // Queries alone cannot learn masks here: the decoder norm bounds them and the shared mask head, trained for
            // pose heatmaps (values 0-1), gives logits near 0 - the head must learn too (hence the joint run with pose).
            return Task.FromResult(new TaskRecipe(task, $"{Path.GetFileName(root)}: {train.Count} images",
                $"{root}: {train.Count} training images, {validation.Count} held-out ({split})", [.. s_maskHeads, $"tasks.{spec.Name}."]));
        });

    private static readonly PersonTask[] s_all = [s_pose, s_reid, s_parsing];

    public static Command Pose() => Create(s_pose);

    public static Command Reid() => Create(s_reid);

    public static Command Parsing() => Create(s_parsing);

    private static Command Create(PersonTask primary)
    {
        var weights = CommonOptions.StartingWeights();
        var data = new Option<DirectoryInfo>("--data") { Description = "The shared datasets folder (vtest teacher labels, parsing-cihp).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var output = CommonOptions.RunFolder();
        var steps = new Option<int>("--steps") { Description = "Optimiser steps in all.", DefaultValueFactory = _ => primary.DefaultSteps };
        var batch = new Option<int>("--batch-size") { Description = $"Images (person crops) of {primary.Name} per step (tasks added with --with use their own defaults: {string.Join(", ", s_all.Select(t => $"{t.Name} {t.DefaultBatch}"))}).", DefaultValueFactory = _ => primary.DefaultBatch };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => primary.DefaultLr };
        var evaluateEvery = new Option<int>("--evaluate-every") { Description = "Steps between held-out evaluations.", DefaultValueFactory = _ => 250 };
        var scope = new Option<string>("--train") { Description = $"What learns: {primary.HeadsDescription} or all (every parameter except the frozen trunk: other tasks change too).", DefaultValueFactory = _ => "heads" };
        scope.AcceptOnlyFromAmong("heads", "all");
        var with = new Option<string[]>("--with") { Description = $"Other person tasks trained in the same steps ({string.Join(", ", s_all.Where(t => t != primary).Select(t => t.Name))}): their losses add up before each optimiser step, so the parts they share learn for all of them (the paper's joint training).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var withBatch = new Option<string[]>("--with-batch-size") { Description = "Images per step of a task added with --with, as task=N (e.g. pose=8); its default otherwise.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var lossWeights = new Option<string[]>("--loss-weight") { Description = "A task's loss weight in the joint step, as task=weight (e.g. parsing=0.5); 1 when not given.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var timeLimit = CommonOptions.Duration();
        timeLimit.Description = "Stop (with a checkpoint) after this long; run the same command again to resume.";
        var threads = CommonOptions.Threads();
        var version = new Option<string>("--version") { Description = $"Version of the exported weights (default: the source's with \"-{primary.Name}\")." };
        var optimizer = CommonOptions.Optimizer();
        var seed = CommonOptions.Seed();
        var command = new Command(primary.Name, primary.Description) { weights, data, output, steps, batch, lr, evaluateEvery, scope, with, withBatch, lossWeights, timeLimit, threads, version, optimizer, seed };
        foreach (var extra in primary.ExtraOptions?.Invoke() ?? [])
            command.Options.Add(extra);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                var chosen = ChooseTasks(primary, parse.GetValue(with)!);
                var weightOf = ParseTaskValues("--loss-weight", parse.GetValue(lossWeights)!, chosen, t => chosen.Count == 1 ? 1.0 : t.DefaultLossWeight, w => w > 0 && !double.IsInfinity(w), "a positive number");
                var batchOf = ParseTaskValues("--with-batch-size", parse.GetValue(withBatch)!, chosen.Skip(1).ToList(), t => t.DefaultBatch, n => n is >= 1 and <= 4096 && n == Math.Floor(n), "a whole number from 1 to 4096");
                string path = Hosting.DefaultWeights.Resolve(parse.GetValue(weights)?.FullName);
                TorchRuntime.SetThreads(parse.GetValue(threads));
                var (model, metadata) = WeightsFile.Load(path);
                int ownStride = (int)OptionNumber(parse, "--own-encoder-stride", 0);
                if (ownStride is not (0 or 8 or 16))
                    throw new ArgumentException($"--own-encoder-stride {ownStride}: the stride is 8 or 16 (0 keeps what the weights have).");
                if (model.Tasks.FirstOf(primary.Type) is { } owner)
                {
                    bool has = model.HasOwnEncoder(owner.Name);
                    int current = has ? owner.OwnEncoderStride ?? model.Stride : model.Stride;
                    if (ownStride != 0 && !has && !OptionFlag(parse, "--own-encoder"))
                        throw new ArgumentException($"--own-encoder-stride sets the stride of {owner.Name}'s own encoder; {metadata.Version} has none: add --own-encoder.");
                    if ((OptionFlag(parse, "--own-encoder") && !has) || (ownStride != 0 && ownStride != current))
                    {
                        using var before = model;
                        (model, metadata) = OwnEncoder.Give(before, metadata, owner.Name, ownStride == 0 ? null : ownStride);
                        int now = ownStride == 0 ? current : ownStride;
                        stdout.WriteLine(has
                            ? $"{owner.Name}'s own encoder now reads crops at stride {now} (with a mask neck of its own); it learns in this run, and nothing another task reads moves."
                            : $"{owner.Name} now reads crops through its own copy of the encoder (stride {now}); it learns in this run, and nothing another task reads moves.");
                    }
                }
                using (model)
                {
                    var runs = new List<(TaskSpec Spec, TaskRecipe Recipe)>();
                    foreach (var task in chosen)
                    {
                        var spec = model.Tasks.FirstOf(task.Type) ?? throw new ArgumentException($"The weights {metadata.Version} have no {task.Name} task.");
                        int taskBatch = task == primary ? parse.GetValue(batch) : (int)batchOf[task.Name];
                        runs.Add((spec, await task.Build(model, spec, parse.GetValue(data)!, taskBatch, parse, stdout, cancellationToken)));
                    }
                    bool headsOnly = parse.GetValue(scope) == "heads";
                    var heads = runs.SelectMany(r => r.Recipe.Heads).Distinct(StringComparer.Ordinal).ToList();
                    WarnAboutSharedHeads(metadata, runs.Select(r => r.Spec.Type).ToList(), headsOnly ? heads : ["all"], stdout);
                    var options = new TrainerOptions
                    {
                        Seed = parse.GetValue(seed),
                        OutputDirectory = parse.GetValue(output)!.FullName,
                        Steps = parse.GetValue(steps),
                        LearningRate = parse.GetValue(lr),
                        EvaluateEvery = parse.GetValue(evaluateEvery),
                        TimeLimit = parse.GetValue(timeLimit),
                        Version = parse.GetValue(version) ?? $"{metadata.Version}-{string.Join("-", chosen.Select(t => t.Name))}",
                        WarmupSteps = 100,
                        TrainableParameters = headsOnly ? heads : [],
                        FrozenEncoderParts = model.TrunkParts,
                        BFloat16 = CpuFeatures.HasFastBFloat16,
                        // Weights that run detection with a constant attention prior keep it (person tasks do not read it).
                        AttentionPrior = model.DetectionAttentionPrior,
                        AttentionPriorFade = 0,
                        Optimizer = parse.GetValue(optimizer)!,
                    };
                    options.Validate();
                    var trainedNames = runs.ToDictionary(r => r.Spec.Name, r => r.Recipe, StringComparer.Ordinal);
                    var provenance = ProvenanceHistory.Archive(metadata.Provenance, metadata.Version);
                    foreach (var (spec, recipe) in runs)
                    {
                        string key = chosen.First(t => t.Type == spec.Type).Name;
                        provenance[$"{key}.data"] = recipe.Data;
                        provenance[$"{key}.trained_parameters"] = headsOnly ? string.Join(", ", heads) : "all but the trunk";
                        provenance[$"{key}.source_weights"] = metadata.Version;
                        provenance[$"{key}.loss_weight"] = weightOf[key].ToString(CultureInfo.InvariantCulture);
                        provenance[$"{key}.batch_size"] = recipe.Task.BatchSize.ToString(CultureInfo.InvariantCulture);
                        if (runs.Count > 1)
                            provenance[$"{key}.trained_with"] = string.Join(", ", runs.Where(r => r.Spec != spec).Select(r => r.Spec.Name));
                    }
                    var trained = metadata with
                    {
                        Tasks = metadata.Tasks.Select(t => trainedNames.TryGetValue(t.Name, out var recipe) ? t with { Trained = true, Source = recipe.Source } : t).ToList(),
                        Provenance = provenance,
                    };
                    var tasks = runs.Select(r => (ITrainingTask)new WeightedTrainingTask(r.Recipe.Task, weightOf[chosen.First(t => t.Type == r.Spec.Type).Name])).ToList();
                    var summary = new Trainer(model, trained, tasks, options, stdout).Run(cancellationToken);
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

    private static List<PersonTask> ChooseTasks(PersonTask primary, IReadOnlyList<string> with)
    {
        var chosen = new List<PersonTask> { primary };
        foreach (string name in with.SelectMany(w => w.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var task = s_all.FirstOrDefault(t => t.Name == name)
                ?? throw new ArgumentException($"--with {name}: not a person task; choose from {string.Join(", ", s_all.Where(t => t != primary).Select(t => t.Name))}.");
            if (chosen.Contains(task))
                throw new ArgumentException($"--with {name}: {name} is already in the run.");
            chosen.Add(task);
        }
        return chosen;
    }

    // "task=value" lists (comma-separated or repeated) for the tasks of this run; the rest keep their defaults.
    private static Dictionary<string, double> ParseTaskValues(string option, IReadOnlyList<string> values, IReadOnlyList<PersonTask> tasks, Func<PersonTask, double> fallback, Func<double, bool> valid, string expected)
    {
        var result = tasks.ToDictionary(t => t.Name, fallback, StringComparer.Ordinal);
        foreach (string value in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var parts = value.Split('=', 2);
            if (parts.Length != 2 || !result.ContainsKey(parts[0]))
                throw new ArgumentException(result.Count == 0
                    ? $"{option} '{value}': no task of this run takes it (add tasks with --with)."
                    : $"{option} '{value}': expected task=value with task one of {string.Join(", ", result.Keys)}.");
            if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || !valid(number))
                throw new ArgumentException($"{option} '{value}': the value must be {expected}.");
            result[parts[0]] = number;
        }
        return result;
    }

    // The mask neck and head serve pose and parsing both: training them for one moves the other's outputs.
    private static void WarnAboutSharedHeads(WeightsMetadata metadata, IReadOnlyList<TaskType> training, IReadOnlyList<string> trainable, TextWriter log)
    {
        bool movesMaskHead = trainable.Contains("all") || trainable.Contains(s_maskHeads[1]);
        if (!movesMaskHead)
            return;
        foreach (var other in metadata.Tasks.Where(t => t.Trained && t.Type is TaskType.Pose or TaskType.Parsing && !training.Contains(t.Type)))
            log.WriteLine($"warning: {other.Name} is trained in these weights and shares the mask neck and head this run trains; its outputs will change. Add --with {other.Type.ToString().ToLowerInvariant()} to keep it learning in the same steps.");
    }

    private static Option<double> Bounded(Option<double> option, double min, double max)
    {
        option.Validators.Add(result =>
        {
            double value = result.GetValueOrDefault<double>();
            if (!(value >= min && value <= max))
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} {value} must be within [{min}, {max}]."));
        });
        return option;
    }

    private static double OptionNumber(ParseResult parse, string name, double fallback) =>
        parse.CommandResult.Command.Options.Any(o => o.Name == name) ? parse.GetValue<double>(name) : fallback;

    private static bool OptionFlag(ParseResult parse, string name) =>
        parse.CommandResult.Command.Options.Any(o => o.Name == name) && parse.GetValue<bool>(name);

    // A task-specific option's value, or null where this command does not have it (a task added with --with).
    private static T? OptionValue<T>(ParseResult parse, string name) where T : class =>
        parse.CommandResult.Command.Options.Any(o => o.Name == name) ? parse.GetValue<T?>(name) : null;

    private static long FrameOf(string name) => long.Parse(name["frame_".Length..], CultureInfo.InvariantCulture);
}
