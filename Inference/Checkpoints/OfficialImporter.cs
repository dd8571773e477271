using System.Globalization;
using System.Security.Cryptography;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>What an import did, for the user.</summary>
public sealed record ImportReport(IReadOnlyList<string> Notes);

/// <summary>
/// Merges official per-task checkpoints into one multi-task model: the shared network (encoder,
/// neck, decoder, interpreter heads) is taken once, from the first file; each task's queries (and
/// the detection box head) from its own file. Keys lose their "module." prefix; the neck norm's
/// duplicate names ("mask_map.1.ln.*") and loss-only tensors ("decoder_module.loss.*") are accepted
/// and dropped. The configuration is read from the tensor shapes (the head counts, which shapes do
/// not show, are the release's unless a configuration is given).
/// </summary>
public static class OfficialImporter
{
    private const string Predictor = "decoder_module.predictor.";
    private static readonly string[] s_taskKeys = ["query_feat.", "query_embed.", "bbox_embed."];

    public static (UniHcpModel Model, WeightsMetadata Metadata, ImportReport Report) Import(
        IReadOnlyList<OfficialTaskFile> files, string version, ModelConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
            throw new ArgumentException("Give at least one task checkpoint (NAME=PATH).");
        var duplicates = files.GroupBy(f => f.Task, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
            throw new ArgumentException($"Task(s) {string.Join(", ", duplicates)} given more than once.");

        foreach (var file in files)
        {
            if (file.Type is null && !TaskRegistry.Standard.Contains(file.Task))
                throw new ArgumentException($"Task '{file.Task}' is not a standard task ({string.Join(", ", TaskRegistry.Standard.Tasks.Select(t => t.Name))}); give its type as {file.Task}:TYPE=PATH.");
        }
        var notes = new List<string>();
        var merged = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var specs = new List<TaskSpec>();
        var provenance = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["source"] = "official UniHCP release checkpoints",
            // The release normalises box targets by the resized, unpadded image and scales predictions by the original size.
            [InferenceHints.BoxFrameKey] = "unpadded",
        };
        var checkpoints = new List<OfficialCheckpoint>();
        try
        {
            foreach (var file in files)
            {
                var checkpoint = OfficialCheckpoint.Read(file.Path);
                checkpoints.Add(checkpoint);
                provenance[$"task.{file.Task}"] = string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(file.Path)} sha256={Sha256(file.Path)}{(checkpoint.Step is { } s ? $" step={s}" : string.Empty)}");
                bool first = checkpoints.Count == 1;
                TaskSpec? spec = null;
                foreach (var (key, tensor) in checkpoint.Tensors)
                {
                    if (key.StartsWith("decoder_module.loss.", StringComparison.Ordinal))
                        continue;
                    if (key.StartsWith("neck_module.mask_map.1.ln.", StringComparison.Ordinal))
                    {
                        string main = key.Replace(".ln.", ".", StringComparison.Ordinal);
                        if (!checkpoint.Tensors.ContainsKey(main) && first)
                            merged[main] = tensor;
                        continue;
                    }
                    if (key.StartsWith(Predictor, StringComparison.Ordinal) && s_taskKeys.Any(k => key.AsSpan(Predictor.Length).StartsWith(k, StringComparison.Ordinal)))
                    {
                        merged[$"tasks.{file.Task}.{key[Predictor.Length..]}"] = tensor;
                        continue;
                    }
                    if (first)
                        merged[key] = tensor;
                    else if (merged.TryGetValue(key, out var kept))
                        CompareShared(key, kept, tensor, file, notes);
                    else
                        merged[key] = tensor; // unexpected in the first file too; the strict load will name it
                }
                spec ??= TaskSpecFor(file, checkpoint, notes);
                specs.Add(spec);
            }
            int loss = checkpoints.Sum(c => c.Tensors.Keys.Count(k => k.StartsWith("decoder_module.loss.", StringComparison.Ordinal)));
            if (loss > 0)
                notes.Add($"{loss} loss-only tensor(s) (decoder_module.loss.*: ReID BatchNorm and classifier, parsing class weights) are not needed for inference and were left out.");

            config ??= InferConfig(merged, notes);
            var registry = new TaskRegistry(specs);
            var model = new UniHcpModel(config, registry);
            try
            {
                StateDictLoader.Load(model, merged, string.Join(", ", files.Select(f => f.Path)));
            }
            catch
            {
                model.Dispose();
                throw;
            }
            model.eval();
            var metadata = WeightsMetadata.For(version, config, registry, provenance) with
            {
                Tasks = registry.Tasks.Select(t => TaskRecord.From(t) with { Source = provenance[$"task.{t.Name}"] }).ToList(),
            };
            return (model, metadata, new ImportReport(notes));
        }
        finally
        {
            foreach (var checkpoint in checkpoints)
                checkpoint.Dispose();
        }
    }

    private static void CompareShared(string key, Tensor kept, Tensor other, OfficialTaskFile file, List<string> notes)
    {
        if (!kept.shape.SequenceEqual(other.shape))
            throw new InvalidDataException($"Checkpoint '{file.Path}': shared tensor '{key}' is [{string.Join(", ", other.shape)}], but [{string.Join(", ", kept.shape)}] in the first file; the files are not from one model.");
        using var difference = (kept.to(ScalarType.Float32) - other.to(ScalarType.Float32)).abs().max();
        double max = difference.item<float>();
        if (max > 0 && notes.Count(n => n.StartsWith("Shared weights differ", StringComparison.Ordinal)) < 5)
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"Shared weights differ between files: '{key}' in '{file.Path}' by up to {max:g3}; the first file's were kept."));
    }

    private static TaskSpec TaskSpecFor(OfficialTaskFile file, OfficialCheckpoint checkpoint, List<string> notes)
    {
        var standard = TaskRegistry.Standard.Contains(file.Task) ? TaskRegistry.Standard[file.Task] : null;
        var type = file.Type ?? standard?.Type
            ?? throw new ArgumentException($"Task '{file.Task}' is not a standard task; give its type as {file.Task}:TYPE=PATH.");
        if (!checkpoint.Tensors.TryGetValue(Predictor + "query_feat.weight", out var content) || !checkpoint.Tensors.TryGetValue(Predictor + "query_embed.weight", out var position))
            throw new InvalidDataException($"Checkpoint '{file.Path}' has no {Predictor}query_feat/query_embed: it is not a UniHCP task checkpoint.");
        int contentRows = (int)content.shape[0], positionRows = (int)position.shape[0];
        if (type == TaskType.Detection)
            return TaskRegistry.Detection(contentRows, positionRows, file.Task);
        if (standard is not null && standard.Type == type && standard.ContentQueries == contentRows)
            return standard;
        notes.Add($"Task '{file.Task}' has {contentRows} queries; without a standard label set they are named q0..q{contentRows - 1}.");
        var labels = Enumerable.Range(0, contentRows).Select(i => $"q{i}").ToList();
        return new TaskSpec(file.Task, type, labels, contentRows, contentRows, []);
    }

    private static ModelConfig InferConfig(Dictionary<string, Tensor> tensors, List<string> notes)
    {
        Tensor Get(string key) => tensors.TryGetValue(key, out var t) ? t
            : throw new InvalidDataException($"The checkpoints lack '{key}', which every UniHCP checkpoint has.");
        var patch = Get("backbone_module.patch_embed.proj.weight");
        int embed = (int)patch.shape[0], patchSize = (int)patch.shape[2];
        int depth = tensors.Keys.Where(k => k.StartsWith("backbone_module.blocks.", StringComparison.Ordinal))
            .Select(k => int.Parse(k.Split('.')[2], CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max() + 1;
        int grid = (int)Math.Round(Math.Sqrt(Get("backbone_module.pos_embed").shape[1]));
        int mlpRatio = (int)(Get("backbone_module.blocks.0.mlp.fc1.weight").shape[0] / embed);
        int heads = embed switch
        {
            768 => 12,
            384 => 6,
            1024 => 16,
            _ => throw new InvalidDataException($"Encoder width {embed} is not ViT-B/S/L; give the configuration explicitly (--config)."),
        };
        int hidden = (int)Get(Predictor + "input_proj.0.weight").shape[0];
        int layers = tensors.Keys.Where(k => k.StartsWith(Predictor + "transformer_ffn_layers.", StringComparison.Ordinal))
            .Select(k => int.Parse(k[(Predictor.Length + "transformer_ffn_layers.".Length)..].Split('.')[0], CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max() + 1;
        int ffn = (int)Get(Predictor + "transformer_ffn_layers.0.linear1.weight").shape[0];
        if (hidden != 256)
            throw new InvalidDataException($"Decoder width {hidden} is not the release's 256; give the configuration explicitly (--config), as the head count cannot be read from shapes.");
        string name = embed == 768 && depth == 12 ? "vit-b" : embed == 384 && depth == 12 ? "vit-s" : $"vit-{embed}x{depth}";
        notes.Add($"Configuration read from the shapes: {name} (width {embed}, {depth} blocks, {heads} heads, patch {patchSize}, position grid {grid}x{grid}), decoder {layers} layers of width {hidden}.");
        return new ModelConfig(name, new EncoderConfig(embed, depth, heads, patchSize, mlpRatio, grid), new DecoderConfig(hidden, layers, 8, ffn));
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
