using System.Globalization;
using System.Security.Cryptography;
using UniHCP.Pipeline.Inference.Checkpoints.Onnx;
using UniHCP.Pipeline.Inference.Model.Nn;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// Imports the ImageNet ResNet-18 of Microsoft's ML.NET featurizer package
/// (Microsoft.ML.DnnImageFeaturizer.ResNet18: ResNet18Onnx/ResNet18.onnx, a CNTK export, and its
/// preprocessing graph ResNetPrepOnnx/ResNetPreprocess.onnx) into our ResNet-18 encoder's key names.
/// The network's 22 convolutions (no bias) each feed a batch norm; they are taken in graph order,
/// where a downsampling block's 1x1 shortcut comes before its first 3x3 convolution. The
/// featurizer's input is BGR minus a mean image; our encoder takes RGB minus the channel means,
/// so the stem's input channels are reversed and the means are checked against the mean image.
/// </summary>
public static class ImageNetResNet18Importer
{
    private static readonly int[] s_blocks = [2, 2, 2, 3];

    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Provenance) Import(string resnetOnnx, string? preprocessOnnx = null)
    {
        var graph = OnnxGraph.Read(resnetOnnx);
        var pairs = ConvBatchNormPairs(graph, resnetOnnx);
        int expected = 1 + s_blocks.Sum(b => 2 * b) + 3;
        if (pairs.Count != expected)
            throw new InvalidDataException($"ONNX file '{resnetOnnx}' has {pairs.Count} convolution + batch-norm pairs; ResNet-18 (blocks 2, 2, 2, 3) has {expected}.");

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        int next = 0;
        Add(tensors, "conv1", "bn1", pairs[next++], reverseInputChannels: true, resnetOnnx);
        for (int stage = 0; stage < s_blocks.Length; stage++)
        {
            for (int block = 0; block < s_blocks[stage]; block++)
            {
                string prefix = $"layer{stage + 1}.{block}.";
                if (stage > 0 && block == 0)
                {
                    if (pairs[next].Kernel != 1)
                        throw new InvalidDataException($"ONNX file '{resnetOnnx}': expected the 1x1 shortcut of {prefix} at convolution {next}, found a {pairs[next].Kernel}x{pairs[next].Kernel}.");
                    Add(tensors, prefix + "downsample.0", prefix + "downsample.1", pairs[next++], false, resnetOnnx);
                }
                Add(tensors, prefix + "conv1", prefix + "bn1", pairs[next++], false, resnetOnnx);
                Add(tensors, prefix + "conv2", prefix + "bn2", pairs[next++], false, resnetOnnx);
            }
        }

        var provenance = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["source"] = "Microsoft.ML.DnnImageFeaturizer.ResNet18 (ImageNet ResNet-18, MIT)",
            ["resnet_onnx"] = $"{Path.GetFileName(resnetOnnx)} sha256={Sha256(resnetOnnx)}",
        };
        if (preprocessOnnx is not null)
        {
            var means = MeanImageChannelMeans(preprocessOnnx);
            for (int c = 0; c < 3; c++)
            {
                if (Math.Abs(means[c] - ResNetEncoder.ChannelMeans[c]) > 0.01)
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"The preprocessing graph's mean image averages to R {means[0]:0.###}, G {means[1]:0.###}, B {means[2]:0.###}; the encoder subtracts {string.Join(", ", ResNetEncoder.ChannelMeans)}."));
            }
            provenance["preprocess_onnx"] = string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(preprocessOnnx)} sha256={Sha256(preprocessOnnx)}; RGB to BGR, minus a mean image averaging R {means[0]:0.###} G {means[1]:0.###} B {means[2]:0.###}, no scaling");
        }
        return (tensors, provenance);
    }

    /// <summary>The mean image of the preprocessing graph ([1, 3, H, W], BGR) averaged per channel, as (R, G, B).</summary>
    public static float[] MeanImageChannelMeans(string preprocessOnnx)
    {
        var graph = OnnxGraph.Read(preprocessOnnx);
        var sub = graph.Nodes.FirstOrDefault(n => n.OpType == "Sub")
            ?? throw new InvalidDataException($"Preprocessing graph '{preprocessOnnx}' has no Sub node (mean subtraction).");
        var mean = sub.Inputs.Select(i => graph.Initializers.GetValueOrDefault(i)).FirstOrDefault(t => t is not null)
            ?? throw new InvalidDataException($"Preprocessing graph '{preprocessOnnx}': the Sub node subtracts no constant.");
        if (mean.Dims.Length != 4 || mean.Dims[1] != 3)
            throw new InvalidDataException($"Preprocessing graph '{preprocessOnnx}': mean image has dims [{string.Join(", ", mean.Dims)}], not [1, 3, H, W].");
        int plane = (int)(mean.Dims[2] * mean.Dims[3]);
        var bgr = Enumerable.Range(0, 3).Select(c => (float)mean.Values.AsSpan(c * plane, plane).ToArray().Average(v => (double)v)).ToArray();
        return [bgr[2], bgr[1], bgr[0]];
    }

    private sealed record ConvBn(OnnxTensor Weight, OnnxTensor Scale, OnnxTensor Bias, OnnxTensor Mean, OnnxTensor Variance, float Epsilon, int Kernel);

    private static List<ConvBn> ConvBatchNormPairs(OnnxGraph graph, string path)
    {
        var bnByInput = graph.Nodes.Where(n => n.OpType == "BatchNormalization").ToDictionary(n => n.Inputs[0], StringComparer.Ordinal);
        var pairs = new List<ConvBn>();
        foreach (var conv in graph.Nodes.Where(n => n.OpType == "Conv"))
        {
            OnnxTensor Init(string name) => graph.Initializers.TryGetValue(name, out var t) ? t
                : throw new InvalidDataException($"ONNX file '{path}': node '{conv.Name}' reads '{name}', which is not a float initializer.");
            if (conv.Inputs.Count > 2)
                throw new InvalidDataException($"ONNX file '{path}': convolution '{conv.Name}' has a bias; the featurizer's ResNet-18 has none.");
            if (!bnByInput.TryGetValue(conv.Outputs[0], out var bn) || bn.Inputs.Count != 5)
                throw new InvalidDataException($"ONNX file '{path}': convolution '{conv.Name}' is not followed by a batch norm with scale, bias, mean and variance.");
            var weight = Init(conv.Inputs[1]);
            pairs.Add(new ConvBn(weight, Init(bn.Inputs[1]), Init(bn.Inputs[2]), Init(bn.Inputs[3]), Init(bn.Inputs[4]),
                bn.Floats.GetValueOrDefault("epsilon", 1e-5f), (int)weight.Dims[3]));
        }
        return pairs;
    }

    private static void Add(Dictionary<string, Tensor> tensors, string conv, string bn, ConvBn pair, bool reverseInputChannels, string path)
    {
        if (Math.Abs(pair.Epsilon - 1e-5f) > 1e-7f)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"ONNX file '{path}': batch norm after {conv} has epsilon {pair.Epsilon}; the encoder's frozen batch norm uses 1e-5."));
        var weight = tensor(pair.Weight.Values, pair.Weight.Dims);
        if (reverseInputChannels)
            weight = weight.flip(1); // BGR input channels to RGB
        tensors[$"backbone_module.{conv}.weight"] = weight.contiguous();
        tensors[$"backbone_module.{bn}.weight"] = tensor(pair.Scale.Values);
        tensors[$"backbone_module.{bn}.bias"] = tensor(pair.Bias.Values);
        tensors[$"backbone_module.{bn}.running_mean"] = tensor(pair.Mean.Values);
        tensors[$"backbone_module.{bn}.running_var"] = tensor(pair.Variance.Values);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
