using System.Text.Json;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// Pretrained encoder weights alone (safetensors, "backbone_module.*" keys, metadata "format":
/// "unihcp-encoder"), the starting point of training a model with that encoder.
/// </summary>
public static class EncoderWeightsFile
{
    public const string Format = "unihcp-encoder";

    public static void Save(string path, EncoderKind kind, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> provenance)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = Format,
            ["encoder"] = kind.ToString(),
            ["provenance"] = JsonSerializer.Serialize(provenance),
        };
        SafeTensorsFile.Write(path, tensors, metadata);
    }

    /// <summary>Copies the file's encoder weights into <paramref name="model"/>: every key in the file must
    /// exist in the model with its shape (the model's other weights are left as they are).</summary>
    public static IReadOnlyDictionary<string, string> LoadInto(UniHcpModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (tensors, header) = SafeTensorsFile.Read(path);
        try
        {
            if (!header.Metadata.TryGetValue("format", out var format) || format != Format)
                throw new InvalidDataException($"'{path}' is not an encoder weights file (format '{format}'); make one with `unihcp weights import-imagenet-r18`.");
            if (header.Metadata.GetValueOrDefault("encoder") != model.Config.Encoder.Kind.ToString())
                throw new InvalidDataException($"'{path}' holds a {header.Metadata.GetValueOrDefault("encoder")} encoder; the model's is {model.Config.Encoder.Kind}.");
            var target = model.state_dict();
            // A configuration may use fewer stages than the file holds (ResNet-18 without stage 4).
            var unused = tensors.Keys.Where(k => !target.ContainsKey(k) && k.StartsWith("backbone_module.layer4.", StringComparison.Ordinal)).ToHashSet();
            var unexpected = tensors.Keys.Where(k => !target.ContainsKey(k) && !unused.Contains(k)).ToList();
            var misshaped = tensors.Where(p => target.TryGetValue(p.Key, out var t) && !t.shape.SequenceEqual(p.Value.shape))
                .Select(p => $"{p.Key}: given [{string.Join(", ", p.Value.shape)}], model [{string.Join(", ", target[p.Key].shape)}]").ToList();
            if (unexpected.Count + misshaped.Count > 0)
                throw new WeightsMismatchException(path, [], unexpected, misshaped);
            using (no_grad())
            {
                foreach (var (key, value) in tensors.Where(p => !unused.Contains(p.Key)))
                    target[key].copy_(value);
            }
            return JsonSerializer.Deserialize<Dictionary<string, string>>(header.Metadata.GetValueOrDefault("provenance", "{}")) ?? [];
        }
        finally
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
        }
    }
}
