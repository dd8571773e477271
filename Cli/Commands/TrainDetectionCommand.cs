using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Detection;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp train detection`: fine-tune existing weights' person detector on a site's own labelled images (a
/// COCO box file), optionally mixed with the default model's data so that what it already detects is not forgotten.</summary>
internal static class TrainDetectionCommand
{
    public static Command Create()
    {
        var weights = CommonOptions.StartingWeights();
        var coco = new Option<FileInfo?>("--coco") { Description = "The site's labelled images: a COCO detection file (person boxes; iscrowd boxes are ignore regions; images without people are negatives). Every fifth image is held out." };
        var scenes = new Option<DirectoryInfo?>("--scenes") { Description = "A folder of `unihcp label` files, one per video (a scene each): the first 75 % of each clip trains, the last 20 % validates; teacher boxes under the labelling's operating score are ignore regions. Scenes are drawn equally often." };
        var videos = new Option<DirectoryInfo?>("--videos") { Description = "Where the --scenes videos are when they are no longer where the label files say (looked up by file name)." };
        var heldOutScenes = new Option<string?>("--held-out-scenes") { Description = "Scenes (label file names, comma-separated) that only validate, whole: cameras the model never sees in training." };
        var pennFudan = new Option<bool>("--pennfudan") { Description = "Also train on Penn-Fudan (under --data; every sixth image held out)." };
        var cacheTrunk = new Option<bool>("--cache-trunk") { Description = "Compute the frozen trunk's output once per image, scale and mirror (kept in the run folder as trunk-cache.bin); steps then train only what follows it, several times faster (r18-s16 weights)." };
        var tuneTail = new Option<bool>("--tune-trunk-tail") { Description = "Let the trunk's last block (ResNet stage 3's second block, r18-s16) learn too, at the encoder's tenth of --lr; with --cache-trunk the cache then holds what precedes it. Person tasks read the trunk: re-tune ReID and pose afterwards." };
        var images = new Option<DirectoryInfo?>("--images") { Description = "The --coco file's images (default: its folder); found by file_name, or by its trailing path parts." };
        var keepDefault = new Option<bool>("--keep-default-data") { Description = "Also draw from the default model's training data (Penn-Fudan and the sample video's teacher boxes, under --data), so the detector keeps what it knew." };
        var data = new Option<DirectoryInfo>("--data") { Description = "The shared datasets folder, for --keep-default-data.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var siteWeight = new Option<double>("--site-weight") { Description = "How often the site's images are drawn relative to each default dataset (with --keep-default-data; 2: half of all draws).", DefaultValueFactory = _ => 2 };
        var datasetWeight = new Option<string[]>("--dataset-weight") { Description = "NAME=W: draw dataset NAME (a scene's label file name, a --coco file's name, pennfudan, vtest) W times as often as a dataset of weight 1, e.g. vtest=4 so the sample video is not forgotten among many scenes. Repeatable.", AllowMultipleArgumentsPerToken = false };
        var output = CommonOptions.RunFolder();
        var steps = new Option<int>("--steps") { Description = "Optimiser steps in all.", DefaultValueFactory = _ => 1000 };
        var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 4 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate (decoder; the encoder learns at a tenth).", DefaultValueFactory = _ => 2e-4 };
        var evaluateEvery = new Option<int>("--evaluate-every") { Description = "Steps between held-out evaluations.", DefaultValueFactory = _ => 250 };
        var timeLimit = CommonOptions.Duration();
        timeLimit.Description = "Stop (with a checkpoint) after this long; run the same command again to resume.";
        var threads = CommonOptions.Threads();
        var version = new Option<string>("--version") { Description = "Version of the exported weights (default: the source's with \"-site\")." };
        var optimizer = CommonOptions.Optimizer();
        var shortSides = CommonOptions.TrainingShortSides();
        var maxLong = CommonOptions.TrainingMaxLongSide();
        var evaluationSide = new Option<int?>("--evaluation-short-side") { Description = "Score the held-out images at this input short side, the long side capped at 1.67x as runs given that size do (default: the size the weights record, which runs use, else 576 capped at 768). Detections overlapping a better one are dropped as the weights record, as runs do." };
        var evaluationTiles = new Option<string>("--evaluation-tiles") { Description = "Score the held-out images also as tiles, as `run --detection-tiles` reads: auto (the default, as runs: 2 x 2 tiles on images the input shrinks to 0.6 or less, 720p and more at the default input), 1 (the whole image only: faster evaluations) or 2-4.", DefaultValueFactory = _ => "auto" };
        var seed = CommonOptions.Seed();
        var command = new Command("detection", "Fine-tune weights' person detector on a site's own labelled images (COCO boxes), held-out AP reported during the run.")
        {
            weights, coco, images, scenes, videos, heldOutScenes, pennFudan, keepDefault, data, siteWeight, datasetWeight, output, steps, batch, lr, evaluateEvery, timeLimit, threads, version, optimizer, cacheTrunk, tuneTail, shortSides, maxLong, evaluationSide, evaluationTiles, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                if (!(parse.GetValue(siteWeight) > 0) || double.IsInfinity(parse.GetValue(siteWeight)))
                    throw new ArgumentException($"--site-weight must be a positive number; got {parse.GetValue(siteWeight)}.");
                var (sides, maxLongSide) = CommonOptions.ParseTrainingSizes(parse.GetValue(shortSides)!, parse.GetValue(maxLong));
                string path = Hosting.DefaultWeights.Resolve(parse.GetValue(weights)?.FullName);
                // Held-out images are scored as runs of these weights read them (size, duplicates dropped), so that the
                // report predicts `eval detection` and the runs.
                var hints = InferenceHints.Read(WeightsFile.ReadMetadata(path));
                var evaluationSize = parse.GetValue(evaluationSide) is { } side
                    ? side is >= 32 and <= 4096 ? InferenceHints.Resize(side) : throw new ArgumentException($"--evaluation-short-side {side} must be between 32 and 4096 pixels.")
                    : hints.DetectionShortSide is not null ? hints.DetectionResize : DefaultModelRecipe.EvaluationSize;
                string tilesText = parse.GetValue(evaluationTiles)!;
                int tiles = Hosting.Options.InferenceServiceOptions.ParseTiles(tilesText)
                    ?? throw new ArgumentException($"--evaluation-tiles '{tilesText}' must be auto or 1 (the whole image only) to 4.");
                var cocoFile = parse.GetValue(coco);
                var sceneFolder = parse.GetValue(scenes);
                if (cocoFile is null && sceneFolder is null)
                    throw new ArgumentException("Give the images to learn from: --coco (a site's labelled images) and/or --scenes (a folder of `unihcp label` files).");
                var datasets = new List<DetectionDataset>();
                var siteData = new List<string>();
                if (cocoFile is not null)
                {
                    string name = Path.GetFileNameWithoutExtension(cocoFile.Name);
                    var site = CocoDetectionReader.Read(cocoFile.FullName, parse.GetValue(images)?.FullName ?? cocoFile.DirectoryName!, name);
                    var (train, validation) = HeldOut.EveryFifth(site);
                    stdout.WriteLine($"{cocoFile.FullName}: {train.Count} training and {validation.Count} held-out images, {site.Sum(s => s.Boxes.Count)} persons, {site.Sum(s => s.Ignore.Count)} crowd regions");
                    datasets.Add(new(name, train, validation, Weight: parse.GetValue(keepDefault) ? parse.GetValue(siteWeight) : 1, DefaultModelRecipe.EvaluationSize));
                    siteData.Add($"{cocoFile.FullName}: {train.Count} training images, {validation.Count} held-out");
                }
                if (sceneFolder is not null)
                {
                    var heldOut = (parse.GetValue(heldOutScenes) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                    var sceneSets = await SceneLabelReader.ReadFolderAsync(sceneFolder.FullName, parse.GetValue(videos)?.FullName, new SceneSplit(), heldOut, DefaultModelRecipe.EvaluationSize, stdout, cancellationToken);
                    datasets.AddRange(sceneSets);
                    foreach (string teacher in SceneLabelReader.Teachers(sceneFolder.FullName))
                        siteData.Add("scene labels by " + teacher);
                    siteData.Add($"scenes {sceneFolder.FullName}: " + string.Join(", ", sceneSets.Select(d => $"{d.Name} {d.Train.Count}/{d.Validation.Count}")) + (heldOut.Count > 0 ? $" (held out whole: {string.Join(", ", heldOut.Order(StringComparer.Ordinal))})" : string.Empty));
                }
                if (parse.GetValue(pennFudan))
                    datasets.Add(DefaultModelRecipe.PennFudan(parse.GetValue(data)!.FullName, stdout));
                if (parse.GetValue(keepDefault))
                    datasets.AddRange(await DefaultModelRecipe.DetectionDatasetsAsync(parse.GetValue(data)!.FullName, SampleVideo.Locate(), stdout, cancellationToken));
                ApplyDatasetWeights(datasets, parse.GetValue(datasetWeight) ?? []);
                for (int i = 0; i < datasets.Count; i++)
                    datasets[i] = datasets[i] with { EvaluationSize = evaluationSize, DuplicateIoU = hints.DuplicateIoU, EvaluationTiles = tiles };
                if (datasets.All(d => d.Train.Count == 0))
                    throw new ArgumentException("Every dataset given is held out whole: nothing to train on.");
                // Datasets held out whole only validate; drawing never picks them.
                var drawn = datasets.Where(d => d.Train.Count > 0).ToList();
                string dataName = string.Join(" + ", new[] { cocoFile?.Name, sceneFolder is null ? null : $"scenes {sceneFolder.Name}" }.Where(n => n is not null));
                TorchRuntime.SetThreads(parse.GetValue(threads));
                var (model, metadata) = WeightsFile.Load(path);
                using (model)
                {
                    var spec = model.Tasks.FirstOf(TaskType.Detection) ?? throw new ArgumentException($"The weights {metadata.Version} have no detection task.");
                    var options = new TrainerOptions
                    {
                        Seed = parse.GetValue(seed),
                        OutputDirectory = parse.GetValue(output)!.FullName,
                        Steps = parse.GetValue(steps),
                        LearningRate = parse.GetValue(lr),
                        EvaluateEvery = parse.GetValue(evaluateEvery),
                        TimeLimit = parse.GetValue(timeLimit),
                        Version = parse.GetValue(version) ?? $"{metadata.Version}-site",
                        WarmupSteps = Math.Min(100, parse.GetValue(steps) / 10),
                        FrozenEncoderParts = model.FrozenTrunkParts(parse.GetValue(tuneTail)),
                        BFloat16 = CpuFeatures.HasFastBFloat16,
                        // Weights that detect with a constant attention prior are fine-tuned with it, and keep it.
                        AttentionPrior = model.DetectionAttentionPrior,
                        AttentionPriorFade = 0,
                        Optimizer = parse.GetValue(optimizer)!,
                    };
                    options.Validate();
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"held-out images scored at short side {evaluationSize.ShortSide} (long side at most {evaluationSize.MaxLongSide}), ")
                        + (hints.DuplicateIoU is { } dropped ? string.Create(CultureInfo.InvariantCulture, $"detections overlapping a better one by IoU {dropped:0.##} dropped") : "every detection kept")
                        + (tiles == PerceptionOptions.AutoTiles ? "; images of 720p and more also as 2x2 tiles (auto, as runs)" : tiles > 1 ? $"; also as {tiles}x{tiles} tiles" : ""));
                    var before = DetectionTrainingTask.EvaluateHeldOut(model, spec.Name, datasets, TorchSharp.torch.CPU);
                    stdout.WriteLine("held-out before: " + string.Join(", ", before.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.000}"))));
                    var trained = metadata with
                    {
                        Tasks = metadata.Tasks.Select(t => t.Name == spec.Name ? t with { Trained = true, Source = $"{t.Source}; fine-tuned on {dataName} ({drawn.Sum(d => d.Train.Count)} images)" } : t).ToList(),
                        Provenance = new Dictionary<string, string>(ProvenanceHistory.Archive(metadata.Provenance, metadata.Version), StringComparer.Ordinal)
                        {
                            ["detection.site_data"] = string.Join("; ", siteData),
                            ["detection.datasets"] = string.Join("; ", datasets.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Name} (weight {d.Weight})"))),
                            ["detection.source_weights"] = metadata.Version,
                            ["detection.trunk"] = parse.GetValue(tuneTail)
                                ? $"trunk frozen in this run except its last block ({string.Join(", ", model.TrunkTailParts)}), which learned"
                                : "trunk frozen in this run",
                            ["detection.training_sizes"] = string.Create(CultureInfo.InvariantCulture, $"short sides {string.Join(',', sides)}, long side at most {maxLongSide}; held out scored at {evaluationSize.ShortSide} (long side at most {evaluationSize.MaxLongSide}){(hints.DuplicateIoU is { } iou ? string.Create(CultureInfo.InvariantCulture, $", duplicates above IoU {iou:0.##} dropped") : string.Empty)}{(tiles == PerceptionOptions.AutoTiles ? ", tiles auto" : $", tiles {tiles}")}"),
                        },
                    };
                    var augment = new DetectionAugment { ShortSides = sides, MaxLongSide = maxLongSide };
                    using var cache = parse.GetValue(cacheTrunk)
                        ? TrunkFeatureCache.LoadOrBuild(Path.Combine(options.OutputDirectory, "trunk-cache.bin"), model, drawn.SelectMany(d => d.Train).ToList(), augment, options.BFloat16, TorchSharp.torch.CPU, stdout, cancellationToken, beforeTail: parse.GetValue(tuneTail))
                        : null;
                    ITrainingTask task = cache is null
                        ? new DetectionTrainingTask(spec.Name, datasets, parse.GetValue(batch), augment, new DetectionLossWeights())
                        : new CachedDetectionTrainingTask(spec.Name, datasets, cache, parse.GetValue(batch), new DetectionLossWeights());
                    var summary = new Trainer(model, trained, [task], options, stdout).Run(cancellationToken);
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

    /// <summary>Overrides the drawing weight of datasets named NAME=W; an unknown name or a weight that is not a positive
    /// number is refused with the names there are.</summary>
    private static void ApplyDatasetWeights(List<DetectionDataset> datasets, IReadOnlyList<string> overrides)
    {
        foreach (string entry in overrides)
        {
            int equals = entry.IndexOf('=', StringComparison.Ordinal);
            string name = equals > 0 ? entry[..equals].Trim() : string.Empty;
            if (equals <= 0 || !double.TryParse(entry[(equals + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double weight) || !(weight > 0) || double.IsInfinity(weight))
                throw new ArgumentException($"--dataset-weight '{entry}': expected NAME=W with W a positive number, e.g. vtest=4.");
            int index = datasets.FindIndex(d => d.Name == name);
            if (index < 0)
                throw new ArgumentException($"--dataset-weight '{entry}': no dataset named '{name}'; the datasets are {string.Join(", ", datasets.Select(d => d.Name))}.");
            if (datasets[index].Train.Count == 0)
                throw new ArgumentException($"--dataset-weight '{entry}': '{name}' is held out whole and never drawn.");
            datasets[index] = datasets[index] with { Weight = weight };
        }
    }
}
