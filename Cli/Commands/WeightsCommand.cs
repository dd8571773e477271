using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp weights import|info|export|average`: official checkpoints into our format, what a weights file holds, deployable copies and averages.</summary>
internal static class WeightsCommand
{
    public static Command Create()
    {
        var command = new Command("weights", "Import official UniHCP checkpoints and inspect weights files.");
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Info());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(Average());
        command.Subcommands.Add(ImportImageNetResNet18());
        return command;
    }

    private static Command ImportImageNetResNet18()
    {
        string models = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
        var onnx = new Option<FileInfo>("--onnx") { Description = "ResNet18.onnx of Microsoft.ML.DnnImageFeaturizer.ResNet18.", DefaultValueFactory = _ => new FileInfo(Path.Combine(models, "ResNet18Onnx", "ResNet18.onnx")) };
        var preprocess = new Option<FileInfo>("--preprocess") { Description = "ResNetPreprocess.onnx of the same package (its mean image is checked).", DefaultValueFactory = _ => new FileInfo(Path.Combine(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx")) };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The encoder weights file to write (safetensors).", Required = true };
        var command = new Command("import-imagenet-r18", "Import the ImageNet ResNet-18 of Microsoft's ML.NET featurizer package as encoder weights for training.") { onnx, preprocess, output };
        command.SetAction((parse, _) =>
        {
            var (stdout, stderr) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            try
            {
                TorchRuntime.EnsureLoaded();
                var (tensors, provenance) = ImageNetResNet18Importer.Import(parse.GetValue(onnx)!.FullName, parse.GetValue(preprocess)!.FullName);
                string path = parse.GetValue(output)!.FullName;
                EncoderWeightsFile.Save(path, EncoderKind.ResNet18, tensors, provenance);
                foreach (var tensor in tensors.Values)
                    tensor.Dispose();
                stdout.WriteLine($"wrote {path}: {tensors.Count} tensors of the ImageNet ResNet-18 (stem input channels reordered BGR to RGB)");
                foreach (var (key, value) in provenance)
                    stdout.WriteLine($"  {key}: {value}");
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException)
            {
                return Task.FromResult(ErrorReporter.BadInput(stderr, ex));
            }
        });
        return command;
    }

    private static Command Import()
    {
        var tasks = new Option<string[]>("--task", "-t")
        {
            Description = "A task checkpoint as NAME=PATH (standard names: detection, pose, parsing, attributes, reid, cloth_reid) " +
                "or NAME:TYPE=PATH for another query set. Repeat for each task; the first file also gives the shared weights.",
            Arity = ArgumentArity.OneOrMore,
            Required = true,
        };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The weights file to write (safetensors).", Required = true };
        var version = new Option<string>("--version") { Description = "Version recorded in the file and the model registry.", DefaultValueFactory = _ => "official-release" };
        // Named --model as in `train default`: --config is every command's configuration file.
        var config = new Option<string?>("--model") { Description = "Model configuration (vit-b, vit-s, tiny) when it cannot be read from the shapes." };
        var command = new Command("import", "Merge official per-task .pth.tar checkpoints into one multi-task weights file.") { tasks, output, version, config };
        command.SetAction((parse, _) => Task.FromResult(RunImport(
            parse.GetValue(tasks)!, parse.GetValue(output)!, parse.GetValue(version)!, parse.GetValue(config),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error)));
        return command;
    }

    private static int RunImport(string[] taskArguments, FileInfo output, string version, string? configName, TextWriter stdout, TextWriter stderr)
    {
        List<OfficialTaskFile> files;
        ModelConfig? config;
        try
        {
            files = taskArguments.Select(OfficialTaskFile.Parse).ToList();
            config = configName is null ? null : ModelConfig.Preset(configName);
            if (string.IsNullOrWhiteSpace(version))
                throw new ArgumentException("--version must not be empty.");
        }
        catch (ArgumentException ex)
        {
            return ErrorReporter.BadInput(stderr, ex);
        }

        try
        {
            TorchRuntime.EnsureLoaded();
            stdout.WriteLine($"reading {files.Count} checkpoint(s) ...");
            var (model, metadata, report) = OfficialImporter.Import(files, version, config);
            using (model)
            {
                WeightsFile.Save(output.FullName, model, metadata);
            }
            foreach (string note in report.Notes)
                stdout.WriteLine("note: " + note);
            stdout.WriteLine($"wrote {output.FullName}");
            WriteInfo(stdout, output.FullName);
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or WeightsMismatchException or ArgumentException)
        {
            return ErrorReporter.BadInput(stderr, ex);
        }
    }

    private static Command Export()
    {
        var source = new Argument<FileInfo>("file") { Description = "A weights file in our format (e.g. a training run's checkpoint/model.safetensors)." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The deployable weights file to write.", Required = true };
        var version = new Option<string?>("--version") { Description = "Version to record (default: the source's)." };
        var half = new Option<bool>("--half") { Description = "Store the tensors as float16 (half the size)." };
        var shortSide = new Option<int?>("--detection-short-side") { Description = "Record the detection input short side the weights were trained for (runs default to it)." };
        var maxLongSide = new Option<int?>("--detection-max-long-side") { Description = "Record a cap on the detection input's long side (runs default to it; without it, 1333/800 of the short side)." };
        var shift = new Option<float?>("--score-logit-shift") { Description = "Record a detection score calibration: added to the logits, so that the operating point lands at 0.5." };
        var duplicates = new Option<float?>("--duplicate-iou") { Description = "Record that detections overlapping a better one by this IoU are dropped." };
        var prior = new Option<double?>("--attention-prior") { Description = "Record that the detection decoder runs with this spatial attention prior (see `train default --attention-prior`); 0 removes it." };
        var defaultTasks = new Option<string?>("--default-tasks") { Description = "Record the person tasks runs perform unless told (comma-separated; \"none\": detection only; \"trained\" removes the record, so every trained task runs)." };
        var provenance = new Option<string[]>("--provenance") { Description = "Add or replace a provenance entry, KEY=VALUE (repeat), e.g. data terms; inference.* keys are set by their own options.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var command = new Command("export", "Write a deployable copy of a weights file: optionally half precision, a new version, inference hints and provenance entries.")
        {
            source, output, version, half, shortSide, maxLongSide, shift, duplicates, prior, defaultTasks, provenance,
        };
        command.SetAction((parse, _) =>
        {
            try
            {
                TorchRuntime.EnsureLoaded();
                string from = parse.GetValue(source)!.FullName;
                var (model, metadata) = WeightsFile.Load(from);
                using (model)
                {
                    if (parse.GetValue(version) is { } newVersion)
                        metadata = metadata with { Version = newVersion };
                    var hints = new Dictionary<string, string>(metadata.Provenance, StringComparer.Ordinal);
                    if (parse.GetValue(shortSide) is { } side)
                        hints[InferenceHints.ShortSideKey] = side.ToString(CultureInfo.InvariantCulture);
                    if (parse.GetValue(maxLongSide) is { } cap)
                        hints[InferenceHints.MaxLongSideKey] = cap.ToString(CultureInfo.InvariantCulture);
                    if (parse.GetValue(shift) is { } logitShift)
                        hints[InferenceHints.ScoreLogitShiftKey] = logitShift.ToString("R", CultureInfo.InvariantCulture);
                    if (parse.GetValue(duplicates) is { } iou)
                        hints[InferenceHints.DuplicateIoUKey] = iou.ToString("R", CultureInfo.InvariantCulture);
                    if (parse.GetValue(prior) is { } strength)
                    {
                        if (!(strength >= 0) || double.IsInfinity(strength))
                            throw new ArgumentException($"--attention-prior must be finite and not negative; got {strength}.");
                        if (strength > 0)
                            hints[InferenceHints.AttentionPriorKey] = strength.ToString("R", CultureInfo.InvariantCulture);
                        else
                            hints.Remove(InferenceHints.AttentionPriorKey);
                    }
                    if (parse.GetValue(defaultTasks) is { } taskList)
                    {
                        var names = taskList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                        if (names is ["trained"])
                            hints.Remove(InferenceHints.DefaultTasksKey);
                        else if (names is ["none"])
                            hints[InferenceHints.DefaultTasksKey] = string.Empty;
                        else
                        {
                            var unknown = names.Where(n => !metadata.Tasks.Any(t => t.Name == n && t.Type != TaskType.Detection)).ToList();
                            if (unknown.Count > 0 || names.Length == 0)
                                throw new ArgumentException($"--default-tasks: {(unknown.Count > 0 ? string.Join(", ", unknown) : "nothing given")} is not a person task of these weights ({string.Join(", ", metadata.Tasks.Where(t => t.Type != TaskType.Detection).Select(t => t.Name))}); or give none or trained.");
                            hints[InferenceHints.DefaultTasksKey] = string.Join(",", names);
                        }
                    }
                    foreach (string entry in parse.GetValue(provenance)!)
                    {
                        int equals = entry.IndexOf('=', StringComparison.Ordinal);
                        if (equals <= 0 || entry[..equals].StartsWith("inference.", StringComparison.Ordinal))
                            throw new ArgumentException($"--provenance '{entry}' must be KEY=VALUE with a key outside inference.* (those have their own options).");
                        hints[entry[..equals].Trim()] = entry[(equals + 1)..].Trim();
                    }
                    metadata = metadata with { Provenance = hints };
                    InferenceHints.Read(metadata); // a hint out of range is refused here, not by the first run
                    string to = parse.GetValue(output)!.FullName;
                    WeightsFile.Save(to, model, metadata, parse.GetValue(half));
                    parse.InvocationConfiguration.Output.WriteLine($"wrote {to} ({new FileInfo(to).Length / (1024.0 * 1024.0):0.0} MiB), version {metadata.Version}");
                }
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or WeightsMismatchException or ArgumentException)
            {
                return Task.FromResult(ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex));
            }
        });
        return command;
    }

    private static Command Average()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "Two or more weights files fine-tuned from one starting file (the starting file itself may be one).", Arity = new ArgumentArity(2, 64) };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The averaged weights file to write.", Required = true };
        var shares = new Option<string?>("--shares") { Description = "Each file's share, comma-separated in the files' order (normalised to sum to 1; default: equal)." };
        var version = new Option<string?>("--version") { Description = "Version to record (default: the first file's with \"-avg\")." };
        var half = new Option<bool>("--half") { Description = "Store the tensors as float16 (half the size)." };
        var command = new Command("average", "Average weights files fine-tuned from one start (a model soup): inference hints, tasks and provenance from the first, the ingredients recorded.")
        {
            files, output, shares, version, half,
        };
        command.SetAction((parse, _) =>
        {
            try
            {
                TorchRuntime.EnsureLoaded();
                var paths = parse.GetValue(files)!.Select(f => f.FullName).ToList();
                var given = parse.GetValue(shares) is { } text ? ParseShares(text) : null;
                var (model, metadata) = WeightsAverage.Average(paths, given);
                using (model)
                {
                    metadata = metadata with { Version = parse.GetValue(version) ?? metadata.Version + "-avg" };
                    string to = parse.GetValue(output)!.FullName;
                    WeightsFile.Save(to, model, metadata, parse.GetValue(half));
                    parse.InvocationConfiguration.Output.WriteLine($"averaged {metadata.Provenance[WeightsAverage.ProvenanceKey]}");
                    parse.InvocationConfiguration.Output.WriteLine($"wrote {to} ({new FileInfo(to).Length / (1024.0 * 1024.0):0.0} MiB), version {metadata.Version}; inference hints from {Path.GetFileName(paths[0])}");
                }
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or WeightsMismatchException or ArgumentException)
            {
                return Task.FromResult(ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex));
            }
        });
        return command;
    }

    private static List<double> ParseShares(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries).Select(part =>
            double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double share)
                ? share
                : throw new ArgumentException($"--shares '{text}': '{part}' is not a number.")).ToList();

    private static Command Info()
    {
        var file = new Argument<FileInfo>("file") { Description = "A weights file in our format (.safetensors)." };
        var command = new Command("info", "Show a weights file's version, configuration, tasks, parameter counts and provenance.") { file };
        command.SetAction((parse, _) =>
        {
            try
            {
                WriteInfo(parse.InvocationConfiguration.Output, parse.GetValue(file)!.FullName);
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException)
            {
                return Task.FromResult(ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex));
            }
        });
        return command;
    }

    private static void WriteInfo(TextWriter output, string path)
    {
        var header = SafeTensorsFile.ReadHeader(path);
        var metadata = WeightsFile.ReadMetadata(path);
        var config = metadata.Config;
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"file:      {path} ({new FileInfo(path).Length / (1024.0 * 1024.0):0.0} MiB, {string.Join("/", header.Entries.Select(e => e.DType).Distinct())})");
        output.WriteLine($"version:   {metadata.Version} (created {metadata.Created.ToString("u", inv)}, format {metadata.FormatVersion})");
        string encoder = config.Encoder.Kind == EncoderKind.ResNet18
            ? $"encoder ResNet-18 to stage {config.Encoder.Stages}, tokens of width {config.Encoder.EmbedDim} at stride {config.Encoder.PatchSize}"
            : $"encoder ViT width {config.Encoder.EmbedDim}, {config.Encoder.Depth} blocks, {config.Encoder.Heads} heads, patch {config.Encoder.PatchSize}, position grid {config.Encoder.PositionGrid}x{config.Encoder.PositionGrid}";
        output.WriteLine(string.Create(inv, $"model:     {config.Name}: {encoder}; decoder {config.Decoder.Layers} layers, width {config.Decoder.Hidden}, {config.Decoder.Heads} heads, FFN {config.Decoder.FeedForward}"));
        output.WriteLine();
        var rows = new List<string[]> { new[] { "task", "type", "queries", "trained", "labels / source" } };
        foreach (var task in metadata.Tasks)
        {
            string labels = task.Labels.Count <= 6 ? string.Join(", ", task.Labels) : string.Join(", ", task.Labels.Take(5)) + $", ... ({task.Labels.Count})";
            rows.Add([task.Name, task.OwnEncoder ? $"{task.Type} (own encoder{(task.OwnEncoderStride is { } stride ? $", stride {stride}" : string.Empty)})" : task.Type.ToString(), task.ToSpec().Queries.ToString(inv), task.Trained ? "yes" : "NO", task.Source ?? labels]);
        }
        TextTable.Write(output, rows);
        output.WriteLine();

        var counts = ParameterBreakdown.Of(header.Entries.Select(e => (e.Name, e.Shape.Aggregate(1L, (a, d) => a * d))), metadata.Tasks.Select(t => t.Name));
        // A task's own encoder and neck (ours, not the paper's) are task-specific but no queries: they get their own row.
        long ownEncoders = header.Entries.Where(e => e.Name.StartsWith("tasks.", StringComparison.Ordinal)
            && (e.Name.Contains(".backbone_module.", StringComparison.Ordinal) || e.Name.Contains(".neck_module.", StringComparison.Ordinal))).Sum(e => e.Shape.Aggregate(1L, (a, d) => a * d));
        long taskQueries = counts.TaskSpecific.Sum(p => p.Value) - BoxHeads(header) - ownEncoders;
        var table = new List<string[]>
        {
            new[] { "part (paper Table 1)", "parameters", "paper" },
            new[] { "encoder (incl. position table)", M(counts.Encoder), "91.1 M" },
            new[] { "decoder", M(counts.Decoder), "14.5 M" },
            new[] { "interpreter (neck, heads, box head)", M(counts.Neck + counts.InterpreterHeads + BoxHeads(header)), "3.5 M" },
            new[] { "task queries", M(taskQueries), "< 0.03 M" },
        };
        if (ownEncoders > 0)
            table.Add(["tasks' own encoders (and necks)", M(ownEncoders), "-"]);
        table.Add(["total", M(counts.Total), "109.1 M"]);
        TextTable.Write(output, table);
        foreach (var task in metadata.Tasks)
            output.WriteLine(string.Create(inv, $"  {task.Name}: {counts.TaskSpecific[task.Name]:N0} task-specific parameters, {counts.SharedFraction(task.Name) * 100:0.000} % shared"));
        if (metadata.Provenance.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("provenance:");
            foreach (var (key, value) in metadata.Provenance)
                output.WriteLine($"  {key}: {value}");
        }
    }

    private static long BoxHeads(SafeTensorsHeader header) =>
        header.Entries.Where(e => e.Name.Contains(".bbox_embed.", StringComparison.Ordinal)).Sum(e => e.Shape.Aggregate(1L, (a, d) => a * d));

    private static string M(long count) => string.Create(CultureInfo.InvariantCulture, $"{count / 1e6:0.000} M ({count:N0})");
}
