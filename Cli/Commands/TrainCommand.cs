using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training;
using UniHCP.Pipeline.Training.Detection;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp train`: training runs that end in deployable weights.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "Train UniHCP weights on datasets (runs resume from their checkpoint).");
        command.Subcommands.Add(Default());
        command.Subcommands.Add(TrainDetectionCommand.Create());
        command.Subcommands.Add(TrainPersonTaskCommand.Pose());
        command.Subcommands.Add(TrainPersonTaskCommand.Reid());
        command.Subcommands.Add(TrainPersonTaskCommand.Parsing());
        command.Subcommands.Add(TrainAttributesCommand.Create());
        return command;
    }

    private static Command Default()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The shared datasets folder (Penn-Fudan, vtest teacher labels).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var encoder = new Option<FileInfo?>("--encoder-weights") { Description = "ImageNet ResNet-18 encoder weights (from `unihcp weights import-imagenet-r18`); without it the encoder starts random." };
        var output = CommonOptions.RunFolder();
        var steps = new Option<int>("--steps") { Description = "Optimiser steps in all.", DefaultValueFactory = _ => 6000 };
        var batch = new Option<int>("--batch-size") { Description = "Detection images per step.", DefaultValueFactory = _ => 4 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate (decoder; the encoder learns at a tenth).", DefaultValueFactory = _ => 2e-4 };
        var shortSides = CommonOptions.TrainingShortSides();
        var maxLong = CommonOptions.TrainingMaxLongSide();
        // Whole images by default: boxes are learned as fractions of the image, so a model trained on fixed square crops
        // reads a whole frame at the wrong scale (measured: 1.3-1.7x too large boxes, AP50 near zero).
        var crop = new Option<int>("--crop") { Description = "Random square crop side after resizing (0: whole images, the default; crops teach the wrong box scale for whole frames).", DefaultValueFactory = _ => 0 };
        var evaluateEvery = new Option<int>("--evaluate-every") { Description = "Steps between held-out evaluations.", DefaultValueFactory = _ => 500 };
        var timeLimit = CommonOptions.Duration();
        timeLimit.Description = "Stop (with a checkpoint) after this long; run the same command again to resume.";
        var threads = CommonOptions.Threads();
        var version = new Option<string>("--version") { Description = "Version of the exported weights.", DefaultValueFactory = _ => "default-cpu" };
        var modelConfig = new Option<string>("--model") { Description = "Model configuration: r18 (stride-8 tokens, 6 decoder layers) or r18-s16 (stride 16, 3 layers: about 4x faster).", DefaultValueFactory = _ => "r18" };
        var precision = new Option<string>("--precision") { Description = "Arithmetic of the forward and backward passes: bf16 (float32 master weights; about 1.8x faster where the CPU has AVX-512 BF16 or AMX, the default there) or f32 (the default elsewhere)." };
        precision.AcceptOnlyFromAmong("bf16", "f32");
        var cacheTrunk = new Option<bool>("--cache-trunk") { Description = "Freeze the ImageNet trunk (ResNet stages 1-3) and compute its output once per image, scale and mirror; steps then train only the feature pyramid and the decoder, several times faster (r18-s16 only)." };
        var prior = new Option<double>("--attention-prior") { Description = "Starting strength of a training-only Gaussian prior that makes each detection query attend near its anchor (0: none); it fades to 0 over --attention-prior-fade of the steps, so the exported model is the published decoder.", DefaultValueFactory = _ => 0 };
        var priorFade = new Option<double>("--attention-prior-fade") { Description = "Share of the steps over which the attention prior fades to 0 (0: it stays at full strength; export such weights with `weights export --attention-prior`).", DefaultValueFactory = _ => 0.6 };
        var anchorInit = new Option<string>("--anchor-init") { Description = "Where a new run's detection anchors start: grid (even, the default) or random (uniform).", DefaultValueFactory = _ => "grid" };
        anchorInit.AcceptOnlyFromAmong("grid", "random");
        var optimizer = CommonOptions.Optimizer();
        var anchors = new Option<int>("--anchors") { Description = "Detection anchor points (3 queries each).", DefaultValueFactory = _ => DefaultModelRecipe.DefaultAnchors };
        var seed = CommonOptions.Seed();
        var command = new Command("default", "Train the default CPU model (ResNet-18 encoder) on ../shared/data: Penn-Fudan and the sample video's teacher labels.")
        {
            data, encoder, output, steps, batch, lr, shortSides, maxLong, crop, evaluateEvery, timeLimit, threads, version, modelConfig, precision, cacheTrunk, anchors, anchorInit, prior, priorFade, optimizer, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            try
            {
                var (sides, maxLongSide) = CommonOptions.ParseTrainingSizes(parse.GetValue(shortSides)!, parse.GetValue(maxLong));
                var options = new TrainerOptions
                {
                    Seed = parse.GetValue(seed),
                    OutputDirectory = parse.GetValue(output)!.FullName,
                    Steps = parse.GetValue(steps),
                    LearningRate = parse.GetValue(lr),
                    EvaluateEvery = parse.GetValue(evaluateEvery),
                    TimeLimit = parse.GetValue(timeLimit),
                    Version = parse.GetValue(version)!,
                    FrozenEncoderParts = ["conv1", "layer1"],
                    AttentionPrior = parse.GetValue(prior),
                    AttentionPriorFade = parse.GetValue(priorFade),
                    Optimizer = parse.GetValue(optimizer)!,
                    BFloat16 = (parse.GetValue(precision) ?? (CpuFeatures.HasFastBFloat16 ? "bf16" : "f32")) == "bf16",
                };
                options.Validate();
                stdout.WriteLine(options.BFloat16 ? "precision: bf16 passes, float32 master weights" : "precision: float32");
                TorchRuntime.SetThreads(parse.GetValue(threads));
                var datasets = await DefaultModelRecipe.DetectionDatasetsAsync(parse.GetValue(data)!.FullName, SampleVideo.Locate(), stdout, cancellationToken);
                var config = ModelConfig.Preset(parse.GetValue(modelConfig)!);
                if (config.Encoder.Kind != EncoderKind.ResNet18)
                    throw new ArgumentException($"--model: the default model is trained with a ResNet-18 encoder (r18, r18-s16); '{config.Name}' is not one.");
                if (parse.GetValue(cacheTrunk) && parse.GetValue(crop) > 0)
                    throw new ArgumentException("--cache-trunk crops on the cached token grid itself; leave --crop at 0.");
                TorchSharp.torch.manual_seed(options.Seed);
                if (parse.GetValue(anchors) is < 1 or > 1000)
                    throw new ArgumentException($"--anchors must be between 1 and 1000; got {parse.GetValue(anchors)}.");
                var tasks = DefaultModelRecipe.TasksWith(parse.GetValue(anchors));
                using var model = new UniHcpModel(config, tasks);
                if (parse.GetValue(anchorInit) == "grid")
                    DefaultModelRecipe.SpreadAnchors(model); // a resumed run reads its anchors back from the checkpoint
                var provenance = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["data"] = string.Join("; ", datasets.Select(d => $"{d.Name}: {d.Train.Count} training, {d.Validation.Count} held-out")),
                    [InferenceHints.ShortSideKey] = DefaultModelRecipe.EvaluationSize.ShortSide.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                if (parse.GetValue(encoder) is { } encoderFile)
                {
                    foreach (var (key, value) in EncoderWeightsFile.LoadInto(model, encoderFile.FullName))
                        provenance[$"encoder.{key}"] = value;
                    stdout.WriteLine($"encoder initialised from {encoderFile.FullName}");
                }
                var metadata = WeightsMetadata.For(options.Version, config, tasks, provenance) with
                {
                    Tasks = tasks.Tasks.Select(t => TaskRecord.From(t) with
                    {
                        Trained = t.Type == TaskType.Detection,
                        Source = t.Type == TaskType.Detection ? "Penn-Fudan + vtest teacher boxes" : "not trained",
                    }).ToList(),
                };
                var augment = new DetectionAugment { ShortSides = sides, MaxLongSide = maxLongSide, CropSize = parse.GetValue(crop) };
                using var cache = parse.GetValue(cacheTrunk)
                    ? TrunkFeatureCache.LoadOrBuild(Path.Combine(options.OutputDirectory, "trunk-cache.bin"), model, datasets.SelectMany(d => d.Train).ToList(), augment, options.BFloat16, TorchSharp.torch.CPU, stdout, cancellationToken)
                    : null;
                ITrainingTask detection = cache is null
                    ? new DetectionTrainingTask("detection", datasets, parse.GetValue(batch), augment, new DetectionLossWeights())
                    : new CachedDetectionTrainingTask("detection", datasets, cache, parse.GetValue(batch), new DetectionLossWeights());
                if (cache is not null)
                {
                    options = options with { FrozenEncoderParts = model.TrunkParts };
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trunk frozen and cached: {cache.ViewCount} views, {cache.Bytes / 1048576.0:0} MiB"));
                }
                var summary = new Trainer(model, metadata, [detection], options, stdout).Run(cancellationToken);
                return await TrainingRunEnd.FinishAsync(parse, summary, cancellationToken);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or FormatException or Training.Data.DatasetFormatException)
            {
                return ErrorReporter.BadInput(stderr, ex);
            }
        });
        return command;
    }
}
