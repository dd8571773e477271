using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Tracking.Mot;
using UniHCP.Pipeline.Training;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Evaluation;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp eval ...`: standard metrics of results against ground truth.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var command = new Command("eval", "Score results against ground truth with the standard metrics.");
        command.Subcommands.Add(Mot());
        command.Subcommands.Add(Detection());
        command.Subcommands.Add(Pose());
        command.Subcommands.Add(Reid());
        command.Subcommands.Add(Parsing());
        command.Subcommands.Add(Attributes());
        command.Subcommands.Add(EvalCountsCommand.Create());
        return command;
    }

    private static Command Parsing()
    {
        var weights = new Option<FileInfo?>("--weights") { Description = "Weights to score (default: models/default.safetensors)." };
        var data = new Option<DirectoryInfo>("--data") { Description = "A LIP/CIHP folder (list/train.txt, images/, labels/), or the shared datasets folder holding parsing-cihp.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var split = new Option<string>("--split") { Description = "held-out (list/val.txt, or every fifth image when it repeats train.txt) or train.", DefaultValueFactory = _ => "held-out" };
        split.AcceptOnlyFromAmong("held-out", "train");
        var command = new Command("parsing", "Human parsing pixel accuracy, mean class accuracy and mIoU of the weights' parsing task, each whole image fitted into the 480x480 input, scored at the label images' resolution.") { weights, data, split };
        command.SetAction((parse, _) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                string path = Hosting.DefaultWeights.Resolve(parse.GetValue(weights)?.FullName);
                var (model, metadata) = WeightsFile.Load(path);
                using (model)
                {
                    var task = metadata.Tasks.FirstOrDefault(t => t.Type == TaskType.Parsing)
                        ?? throw new ArgumentException($"The weights {metadata.Version} have no parsing task.");
                    var folder = parse.GetValue(data)!.FullName;
                    string root = ParsingListReader.DatasetFolder(folder);
                    var (train, validation, description) = ParsingListReader.ReadSplits(root, model.Tasks[task.Name].Queries);
                    bool onTrain = parse.GetValue(split) == "train";
                    var samples = onTrain ? train : validation;
                    stdout.WriteLine($"weights {metadata.Version} ({path}), task {task.Name} ({(task.Trained ? "trained" : "NOT trained: expect chance-level numbers")}), {root}: {samples.Count} {(onTrain ? "training" : "held-out")} image(s) ({description})");
                    var scores = Training.Parsing.ParsingTrainingTask.Score(model, task.Name, samples, new Inference.Engine.CropSize(480, 480), TorchSharp.torch.CPU);
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {Path.GetFileName(root),-12} images {samples.Count,4}  pixel accuracy {scores.PixelAccuracy:0.000}  mean accuracy {scores.MeanAccuracy:0.000}  mIoU {scores.MeanIoU:0.000}"));
                    var labels = model.Tasks[task.Name].Labels;
                    stdout.WriteLine("  IoU per class: " + string.Join(", ", scores.ClassIoU.Select((iou, c) => double.IsNaN(iou) ? null : string.Create(CultureInfo.InvariantCulture, $"{labels[c]} {iou:0.00}")).OfType<string>()));
                }
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException or DatasetFormatException)
            {
                return Task.FromResult(ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex));
            }
        });
        return command;
    }

    private static Command Attributes()
    {
        var weights = new Option<FileInfo?>("--weights") { Description = "Weights to score (default: models/default.safetensors)." };
        var labels = new Option<FileInfo>("--labels") { Description = "Attribute table: CSV (image,<attribute>,...; labels 1, 0 or -1 / empty for unknown) or a .json manifest ({\"attributes\": [...], \"images\": [{\"image\", \"labels\"}]}); one person crop per image. Its attributes must be the task's.", Required = true };
        var task = new Option<string?>("--task") { Description = "Attribute task to score (default: the one whose labels are the table's)." };
        var command = new Command("attributes", "Attribute mA (mean of positive and negative recall per attribute) and instance precision, recall and F1 of an attribute task on labelled person crops.") { weights, labels, task };
        command.SetAction((parse, _) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                string path = Hosting.DefaultWeights.Resolve(parse.GetValue(weights)?.FullName);
                string csv = parse.GetValue(labels)!.FullName;
                var manifest = AttributeManifestReader.Read(csv);
                if (manifest.Rows.Count == 0)
                    throw new ArgumentException($"'{csv}' has no labelled crop.");
                var (model, metadata) = WeightsFile.Load(path);
                using (model)
                {
                    var candidates = model.Tasks.Tasks.Where(t => t.Type == TaskType.Attributes).ToList();
                    var spec = parse.GetValue(task) is { } name
                        ? candidates.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"The weights {metadata.Version} have no attribute task '{name}'; theirs: {string.Join(", ", candidates.Select(t => t.Name))}.")
                        : candidates.FirstOrDefault(t => t.Labels.SequenceEqual(manifest.Attributes))
                            ?? throw new ArgumentException($"No attribute task of {metadata.Version} has the table's attributes ({string.Join(", ", manifest.Attributes)}); theirs: {string.Join("; ", candidates.Select(t => $"{t.Name}: {string.Join(", ", t.Labels)}"))}.");
                    if (!spec.Labels.SequenceEqual(manifest.Attributes))
                        throw new ArgumentException($"Task '{spec.Name}' has attributes {string.Join(", ", spec.Labels)}; the table's are {string.Join(", ", manifest.Attributes)} (same names in the same order needed).");
                    string folder = Path.GetDirectoryName(csv)!;
                    var samples = manifest.Rows.Select(r => new Training.Attributes.AttributeSample(Inference.Processing.ImageCodec.Decode(Path.Combine(folder, r.Image)), r.Labels)).ToList();
                    bool trained = metadata.Tasks.First(t => t.Name == spec.Name).Trained;
                    stdout.WriteLine($"weights {metadata.Version} ({path}), task {spec.Name} ({(trained ? "trained" : "NOT trained: expect chance-level numbers")}), {csv}: {samples.Count} crops");
                    var scores = Training.Attributes.AttributeTrainingTask.Score(model, spec.Name, samples, TorchSharp.torch.CPU);
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  mA {scores.MeanAccuracy:0.000}  accuracy {scores.Accuracy:0.000}  precision {scores.Precision:0.000}  recall {scores.Recall:0.000}  F1 {scores.F1:0.000}"));
                }
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException or DatasetFormatException)
            {
                return Task.FromResult(ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex));
            }
        });
        return command;
    }

    private static Command Reid()
    {
        var weights = new Option<FileInfo?>("--weights") { Description = "Weights to score (default: models/default.safetensors)." };
        var data = new Option<DirectoryInfo>("--data") { Description = "The shared datasets folder (the sample video's teacher boxes), a MOTChallenge training sequence (seqinfo.ini, gt/gt.txt, img1/), or a Market-1501-layout folder (query/, bounding_box_test/).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var command = new Command("reid", "ReID mAP and CMC (Market-1501 protocol) of the weights' ReID task on the sample video's held-out tracklets (frames 500-599: queries before 550, gallery after), a MOTChallenge sequence's held-out identities, or a Market-1501-layout folder's query/ against bounding_box_test/.") { weights, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                string path = Hosting.DefaultWeights.Resolve(parse.GetValue(weights)?.FullName);
                var folder = parse.GetValue(data)!;
                bool market = Market1501Crops.IsDataset(folder.FullName);
                bool mot = !market && File.Exists(Path.Combine(folder.FullName, "seqinfo.ini"));
                string? teacher = mot || market ? null : TrainingRunEnd.TeacherLabels(folder);
                var (model, metadata) = WeightsFile.Load(path);
                using (model)
                {
                    var reid = metadata.Tasks.FirstOrDefault(t => t.Type == TaskType.ReId)
                        ?? throw new ArgumentException($"The weights {metadata.Version} have no ReID task.");
                    if (market)
                    {
                        var (queries, gallery) = Market1501Crops.ReadTest(folder.FullName);
                        stdout.WriteLine($"weights {metadata.Version} ({path}), task {reid.Name} ({(reid.Trained ? "trained" : "NOT trained: the untrained queries' pooled features")}), Market-1501 protocol: {queries.Count} queries against {gallery.Count} gallery images of {folder.FullName}");
                        var marketScores = Training.ReId.ReIdEvaluator.Evaluate(model, reid.Name, queries, gallery, TorchSharp.torch.CPU);
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {Path.GetFileName(folder.FullName.TrimEnd('/'))}  queries {marketScores.Queries - marketScores.QueriesWithoutMatch,5}  mAP {marketScores.MeanAveragePrecision:0.000}  rank-1 {marketScores.Rank1:0.000}  rank-5 {marketScores.Rank5:0.000}"));
                        return ExitCodes.Success;
                    }
                    var crops = mot
                        ? HeldOut.Identities(MotIdentityCrops.Read(folder.FullName, cancellationToken: cancellationToken)).Validation
                        : await TrackletIdentities.ReadAsync(teacher!, SampleVideo.Locate(), DefaultModelRecipe.IsVideoValidation, cancellationToken: cancellationToken);
                    string source = mot ? $"held-out identities of {folder.FullName} (every fifth; each track's first half holds the query, its second half is gallery)" : "held-out tracklets of frames 500-599 (pseudo identities from our tracker on the teacher boxes)";
                    stdout.WriteLine($"weights {metadata.Version} ({path}), task {reid.Name} ({(reid.Trained ? "trained" : "NOT trained: the untrained queries' pooled features")}), {source}");
                    var scores = Training.ReId.ReIdEvaluator.Evaluate(model, reid.Name, crops, mot ? 1 : 550, TorchSharp.torch.CPU);
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {(mot ? Path.GetFileName(folder.FullName.TrimEnd('/')) : "vtest-tracklets")}  identities {crops.Select(c => c.Identity).Distinct().Count(),3}  boxes {crops.Count,4}  queries {scores.Queries - scores.QueriesWithoutMatch,3}  mAP {scores.MeanAveragePrecision:0.000}  rank-1 {scores.Rank1:0.000}  rank-5 {scores.Rank5:0.000}"));
                }
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException or DatasetFormatException)
            {
                return ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex);
            }
        });
        return command;
    }

    private static Command Pose()
    {
        var weights = new Option<FileInfo?>("--weights") { Description = "Weights to score (default: models/default.safetensors)." };
        var data = new Option<DirectoryInfo>("--data") { Description = "The shared datasets folder (the sample video's teacher keypoints).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var split = new Option<string>("--split") { Description = "held-out (frames 500-599) or train (frames 0-449): the default model's splits of the sample video.", DefaultValueFactory = _ => "held-out" };
        split.AcceptOnlyFromAmong("held-out", "train");
        var coco = new Option<FileInfo[]>("--coco") { Description = "Score on COCO-format keypoint files instead (human annotations, e.g. person_keypoints_val2017.json; other layouts - CrowdPose, AI Challenger, PoseTrack ... - by joint name, on the COCO joints they name); several files are scored each and together.", AllowMultipleArgumentsPerToken = true };
        var images = new Option<DirectoryInfo?>("--images") { Description = "The --coco files' images (default: each file's folder, then the folder above it); found by file_name, or by its trailing path parts." };
        var command = new Command("pose", "COCO keypoint AP (OKS 0.50:0.95) and AP50 of the weights' pose task, top-down on the labelled boxes (COCO's ground-truth-box protocol): on the sample video's teacher keypoints, or on a COCO keypoint file (--coco).") { weights, data, split, coco, images };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                string path = Hosting.DefaultWeights.Resolve(parse.GetValue(weights)?.FullName);
                var metadata = WeightsFile.ReadMetadata(path);
                var pose = metadata.Tasks.FirstOrDefault(t => t.Type == TaskType.Pose)
                    ?? throw new ArgumentException($"The weights {metadata.Version} have no pose task.");
                bool train = parse.GetValue(split) == "train";
                var cocoFiles = parse.GetValue(coco) ?? [];
                // One part per file (or the sample video's teacher keypoints): scored apart, then together.
                var parts = new List<(string Name, List<PoseSample> Samples)>();
                foreach (var cocoFile in cocoFiles)
                {
                    var explicitImages = parse.GetValue(images)?.FullName;
                    var read = CocoPoseReader.Read(cocoFile.FullName, explicitImages ?? cocoFile.DirectoryName!, alsoParentFolder: explicitImages is null);
                    if (read.Count == 0)
                        throw new ArgumentException($"'{cocoFile.FullName}' has no image with a labelled person (non-crowd, at least one joint) to score.");
                    parts.Add((Path.GetFileNameWithoutExtension(cocoFile.Name), read));
                }
                if (cocoFiles.Length == 0)
                {
                    string teacher = TrainingRunEnd.TeacherLabels(parse.GetValue(data)!);
                    parts.Add(("vtest-teacher", await VideoTeacherReader.ReadPoseAsync(teacher, SampleVideo.Locate(), f => train ? DefaultModelRecipe.IsVideoTraining(f) : DefaultModelRecipe.IsVideoValidation(f), cancellationToken)));
                }
                var options = new Inference.Engine.PerceptionOptions
                {
                    Tasks = [pose.Name],
                    Precision = Inference.Engine.CpuFeatures.HasFastBFloat16 ? Inference.Engine.Precision.BFloat16 : Inference.Engine.Precision.Float32,
                };
                using var engine = new Inference.Engine.PerceptionEngineBuilder().WithWeights(path).WithOptions(options).Build();
                string source = cocoFiles.Length > 0 ? $"{string.Join(", ", cocoFiles.Select(f => f.Name))} (human annotations)" : $"{(train ? "training" : "held-out")} split of the sample video";
                stdout.WriteLine($"weights {metadata.Version} ({path}), task {pose.Name} ({(pose.Trained ? "trained" : "NOT trained: expect chance-level numbers")}), {source}, {options.Precision}");
                var all = parts.SelectMany(p => p.Samples).ToList();
                if (all.Count == 0)
                    throw new ArgumentException("No image with a labelled person to score.");
                var results = PoseEvaluator.Predict(engine, all);
                int at = 0;
                foreach (var (name, samples) in parts)
                {
                    stdout.WriteLine(PoseLine(name, results.GetRange(at, samples.Count)) + (cocoFiles.Length == 0 ? "  (MoveNet pseudo-labels, not ground truth)" : UnlabelledJoints(samples)));
                    at += samples.Count;
                }
                if (parts.Count > 1)
                    stdout.WriteLine(PoseLine("all", results));
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException or DatasetFormatException)
            {
                return ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex);
            }
        });
        return command;
    }

    private static string PoseLine(string name, IReadOnlyList<PoseResult> results)
    {
        var (ap, ap50) = PoseAveragePrecision.Evaluate(results);
        return string.Create(CultureInfo.InvariantCulture,
            $"  {name}  images {results.Count,4}  persons {results.Sum(r => r.Truths.Count),5}  AP {ap:0.000}  AP50 {ap50:0.000}");
    }

    private static string UnlabelledJoints(IReadOnlyList<PoseSample> samples) =>
        CocoPoseReader.UnlabelledJoints(samples) is { Count: > 0 } missing ? $"  (not scored, unlabelled: {string.Join(", ", missing)})" : "";

    private static Command Detection()
    {
        var weights = new Option<FileInfo?>("--weights") { Description = "Weights to score (default: models/default.safetensors)." };
        var data = new Option<DirectoryInfo>("--data") { Description = "The shared datasets folder (Penn-Fudan, vtest teacher labels).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var split = new Option<string>("--split") { Description = "held-out (the default model's validation splits) or train (the images it learned from: tells under- from over-fitting).", DefaultValueFactory = _ => "held-out" };
        split.AcceptOnlyFromAmong("held-out", "train");
        var prior = new Option<double?>("--attention-prior") { Description = "Diagnostic for training runs: score with the decoder's spatial attention prior at this strength (default: what the weights file records, usually none)." };
        var shortSide = new Option<int?>("--detection-short-side") { Description = "Input short side in pixels to score at, the long side capped at 1.67x (default: the size the weights record, which runs use; else 576 capped at 768, the sample video's own size); what `run --detection-short-side` trades for speed." };
        var coco = new Option<FileInfo?>("--coco") { Description = "Score on every image of a COCO detection file instead (person boxes; iscrowd boxes are ignore regions)." };
        var images = new Option<DirectoryInfo?>("--images") { Description = "The --coco file's images (default: its folder)." };
        var scenes = new Option<DirectoryInfo?>("--scenes") { Description = "Score on scenes labelled by `unihcp label` instead (one label file per video): each scene's validation part (its last 20 %), or all of it with --held-out-scenes, or its training part with --split train." };
        var videos = new Option<DirectoryInfo?>("--videos") { Description = "Where the --scenes videos are when they have moved (by file name)." };
        var heldOutScenes = new Option<string?>("--held-out-scenes") { Description = "With --scenes: scenes scored whole (comma-separated names; the ones a training run held out)." };
        var duplicates = new Option<float?>("--duplicate-iou") { Description = "Drop a detection overlapping a better one by at least this IoU, 0.05-1 (default: what the weights record, as runs do; 1 drops only identical boxes)." };
        duplicates.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<float?>() is { } iou && iou is not (>= 0.05f and <= 1))
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"--duplicate-iou {iou} must be within [0.05, 1]."));
        });
        var tilesOption = new Option<string>("--detection-tiles") { Description = "Score with detection also on N x N overlapping tiles of each image, as `run --detection-tiles` reads: 1 the whole image only, 2-4 tiles, auto (the default, as runs): 2 x 2 tiles on images the input shrinks to 0.6 or less (720p and more at the default input).", DefaultValueFactory = _ => "auto" };
        var maxLongSide = new Option<int?>("--detection-max-long-side") { Description = "Cap on the input's long side in pixels (default: what the weights record with their size, else 1.67x the short side)." };
        var command = new Command("detection", "Detection AP50, COCO AP@[.5:.95] and log-average miss rate MR-2 of weights on the default model's splits of Penn-Fudan and the sample video's teacher labels, on a COCO detection file (--coco), or per scene (--scenes).") { weights, data, split, prior, shortSide, maxLongSide, tilesOption, coco, images, scenes, videos, heldOutScenes, duplicates };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                if (parse.GetValue(shortSide) is { } given && given is < 32 or > 4096)
                    throw new ArgumentException($"--detection-short-side {given} must be between 32 and 4096 pixels.");
                string tilesText = parse.GetValue(tilesOption)!;
                int tiles = Hosting.Options.InferenceServiceOptions.ParseTiles(tilesText)
                    ?? throw new ArgumentException($"--detection-tiles '{tilesText}' must be auto or 1 (the whole image only) to 4.");
                string path = Hosting.DefaultWeights.Resolve(parse.GetValue(weights)?.FullName);
                var (model, metadata) = WeightsFile.Load(path);
                using (model)
                {
                    var hints = InferenceHints.Read(metadata);
                    // Scored at the size runs use, so that the numbers predict them.
                    var size = InferenceHints.WithMaxLongSide(
                        parse.GetValue(shortSide) is { } side ? InferenceHints.Resize(side)
                        : hints.DetectionShortSide is not null ? hints.DetectionResize
                        : DefaultModelRecipe.EvaluationSize,
                        parse.GetValue(maxLongSide), "--detection-max-long-side");
                    if (parse.GetValue(prior) is { } strength)
                        model.DetectionAttentionPrior = strength;
                    var heldOut = (parse.GetValue(heldOutScenes) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                    var datasets = parse.GetValue(coco) is { } cocoFile
                        ? [CocoDataset(cocoFile, parse.GetValue(images))]
                        : parse.GetValue(scenes) is { } sceneFolder
                            ? await SceneLabelReader.ReadFolderAsync(sceneFolder.FullName, parse.GetValue(videos)?.FullName, new SceneSplit(), heldOut, size, stdout, cancellationToken)
                            : await DefaultModelRecipe.DetectionDatasetsAsync(parse.GetValue(data)!.FullName, SampleVideo.Locate(), stdout, cancellationToken);
                    string task = model.Tasks.Tasks.First(t => t.Type == TaskType.Detection).Name;
                    bool train = parse.GetValue(split) == "train";
                    float? duplicateIoU = parse.GetValue(duplicates) ?? hints.DuplicateIoU;
                    stdout.WriteLine($"weights {metadata.Version} ({path}), {(parse.GetValue(coco) is { } scored ? $"every image of {scored.Name}" : train ? "training split" : "held-out split")}, input short side {size.ShortSide} (long side at most {size.MaxLongSide}), "
                        + (duplicateIoU is { } iou ? string.Create(CultureInfo.InvariantCulture, $"detections overlapping a better one by IoU {iou:0.##} dropped") : "every detection kept")
                        + (tiles > 1 ? $"; also {tiles}x{tiles} tiles" : tiles == Inference.Engine.PerceptionOptions.AutoTiles ? "; also 2x2 tiles on images of 720p and more (auto)" : ""));
                    var ap50 = new List<double>();
                    foreach (var dataset in datasets)
                    {
                        var samples = train ? dataset.Train : dataset.Validation;
                        if (samples.Count == 0)
                            continue; // a scene held out whole has no training split
                        var result = DetectionEvaluator.Evaluate(model, task, samples, size, TorchSharp.torch.CPU, boxFrame: hints.BoxFrame, duplicateIoU: duplicateIoU, tiles: tiles);
                        var f1 = result.BestF1;
                        if (!double.IsNaN(result.Ap50))
                            ap50.Add(result.Ap50); // a split without persons has no AP
                        string name = heldOut.Contains(dataset.Name) ? dataset.Name + " (unseen)" : dataset.Name;
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {name,-26} images {result.Images,4}  persons {result.Truth,5}  AP50 {result.Ap50:0.000}  AP {result.Ap:0.000}  MR-2 {result.MissRate:0.000}  best F1 {f1.F1:0.000} at score {f1.Threshold:0.000} (precision {f1.Precision:0.000}, recall {f1.Recall:0.000})"));
                    }
                    if (ap50.Count > 1)
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  mean AP50 over {ap50.Count} datasets with persons {ap50.Average():0.000}, lowest {ap50.Min():0.000}"));
                }
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException or DatasetFormatException)
            {
                return ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex);
            }
        });
        return command;
    }

    // A COCO file scored whole: every image is "held out" (and "train": --split does not apply to it).
    private static Training.Detection.DetectionDataset CocoDataset(FileInfo file, DirectoryInfo? images)
    {
        string name = Path.GetFileNameWithoutExtension(file.Name);
        var samples = CocoDetectionReader.Read(file.FullName, images?.FullName ?? file.DirectoryName!, name);
        return new Training.Detection.DetectionDataset(name, samples, samples, Weight: 1, DefaultModelRecipe.EvaluationSize);
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
