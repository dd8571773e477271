using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training;
using UniHCP.Pipeline.Training.Attributes;
using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp train attributes`: a site's own attribute set learned from labelled person crops, as a new task
/// next to the existing ones (prompt tuning by default: the shared weights stay bit-identical).</summary>
internal static class TrainAttributesCommand
{
    public static Command Create()
    {
        var weights = CommonOptions.StartingWeights();
        var labels = new Option<FileInfo>("--labels") { Description = "Attribute table: CSV (image,<attribute>,...; labels 1, 0 or -1 / empty for unknown) or a .json manifest ({\"attributes\": [...], \"images\": [{\"image\", \"labels\"}]}); one person crop per image.", Required = true };
        var task = new Option<string>("--task") { Description = "Name of the attribute task: a new one is added from --template, an existing one is trained further.", DefaultValueFactory = _ => "site_attributes" };
        var template = new Option<string>("--template") { Description = "Task whose queries a new task starts from.", DefaultValueFactory = _ => "attributes" };
        var output = CommonOptions.RunFolder();
        var steps = new Option<int>("--steps") { Description = "Optimiser steps in all.", DefaultValueFactory = _ => 300 };
        var batch = new Option<int>("--batch-size") { Description = "Crops per step.", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-2 };
        var scope = new Option<string>("--train") { Description = "What learns: queries (the task's own queries only, i.e. prompt tuning: every other tensor stays bit-identical; the default) or all (every parameter but the frozen trunk).", DefaultValueFactory = _ => "queries" };
        scope.AcceptOnlyFromAmong("queries", "all");
        var optimizer = CommonOptions.Optimizer();
        var version = new Option<string>("--version") { Description = "Version of the exported weights (default: the source's with \"-<task>\")." };
        var seed = CommonOptions.Seed();
        var command = new Command("attributes", "Learn a site's own attribute set (or train an attribute task further) from labelled person crops; every fifth crop is held out for mA and F1.")
        {
            weights, labels, task, template, output, steps, batch, lr, scope, optimizer, version, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                string path = Hosting.DefaultWeights.Resolve(parse.GetValue(weights)?.FullName);
                string csv = parse.GetValue(labels)!.FullName;
                var manifest = AttributeManifestReader.Read(csv);
                if (manifest.Rows.Count < 2)
                    throw new ArgumentException($"'{csv}' has {manifest.Rows.Count} labelled crop(s); at least two are needed (one is held out).");
                string folder = Path.GetDirectoryName(csv)!;
                var samples = manifest.Rows.Select(r => new AttributeSample(ImageCodec.Decode(Path.Combine(folder, r.Image)), r.Labels)).ToList();
                var (train, validation) = HeldOut.EveryFifth(samples);
                stdout.WriteLine($"{csv}: {manifest.Attributes.Count} attributes, {train.Count} training and {validation.Count} held-out crops");
                string name = parse.GetValue(task)!;
                var (loaded, metadata) = WeightsFile.Load(path);
                UniHcpModel model = loaded;
                if (!loaded.Tasks.Contains(name))
                {
                    (model, metadata) = NewTask.Add(loaded, metadata, name, manifest.Attributes, parse.GetValue(template)!);
                    loaded.Dispose();
                    stdout.WriteLine($"new task '{name}' from template '{parse.GetValue(template)}'");
                }
                using (model)
                {
                    var spec = model.Tasks[name];
                    if (spec.Type != TaskType.Attributes || !spec.Labels.SequenceEqual(manifest.Attributes))
                        throw new ArgumentException($"Task '{name}' of these weights is {spec.Type} with labels {string.Join(", ", spec.Labels)}; the table's are {string.Join(", ", manifest.Attributes)}. Choose another --task to add a new one.");
                    bool queriesOnly = parse.GetValue(scope) == "queries";
                    var options = new TrainerOptions
                    {
                        Seed = parse.GetValue(seed),
                        OutputDirectory = parse.GetValue(output)!.FullName,
                        Steps = parse.GetValue(steps),
                        LearningRate = parse.GetValue(lr),
                        EvaluateEvery = Math.Max(1, parse.GetValue(steps) / 5),
                        WarmupSteps = Math.Min(50, parse.GetValue(steps) / 10),
                        Version = parse.GetValue(version) ?? $"{metadata.Version}-{name}",
                        TrainableParameters = queriesOnly ? [$"tasks.{name}."] : [],
                        FrozenEncoderParts = model.TrunkParts,
                        BFloat16 = CpuFeatures.HasFastBFloat16,
                        AttentionPrior = model.DetectionAttentionPrior,
                        AttentionPriorFade = 0,
                        Optimizer = parse.GetValue(optimizer)!,
                    };
                    options.Validate();
                    if (queriesOnly)
                        stdout.WriteLine($"prompt tuning: the encoder is frozen, so each training crop is encoded once (plain and mirrored) and the steps run the decoder only");
                    var trained = metadata with
                    {
                        Tasks = metadata.Tasks.Select(t => t.Name == name ? t with { Trained = true, Source = $"{Path.GetFileName(csv)} ({train.Count} crops)" } : t).ToList(),
                    };
                    var summary = new Trainer(model, trained, [new AttributeTrainingTask(name, "site", train, validation, parse.GetValue(batch)) { CacheEncoder = queriesOnly }], options, stdout).Run(cancellationToken);
                    return await TrainingRunEnd.FinishAsync(parse, summary, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or DatasetFormatException)
            {
                return ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex);
            }
        });
        return command;
    }
}
