using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Model.Nn;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>The imported ImageNet ResNet-18 against ONNX Runtime's run of the same ONNX file, on real images.</summary>
public sealed class ImageNetResNet18Tests
{
    private static readonly string s_models = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
    private static readonly string s_resnet = Path.Combine(s_models, "ResNet18Onnx", "ResNet18.onnx");
    private static readonly string s_preprocess = Path.Combine(s_models, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    [Fact]
    public void Pooled_features_equal_onnx_runtime_within_1e4_relative_on_real_images()
    {
        var (tensors, provenance) = ImageNetResNet18Importer.Import(s_resnet, s_preprocess);
        Assert.Contains("sha256=", provenance["resnet_onnx"], StringComparison.Ordinal);
        Assert.Equal(1 + ((2 + 2 + 2 + 3) * 2) + 3, tensors.Keys.Count(k => k.EndsWith("running_var", StringComparison.Ordinal)));
        TorchRuntime.EnsureLoaded();
        using var model = TestModels.Seeded(1, ModelConfig.ResNet18Full, new TaskRegistry([TaskRegistry.Detection(3, 10)]));
        var target = model.state_dict();
        using (no_grad())
        {
            foreach (var (key, value) in tensors)
                target[key].copy_(value);
        }
        model.eval();
        var encoder = (ResNetEncoder)model.Backbone;

        using var preprocess = new InferenceSession(s_preprocess);
        using var network = new InferenceSession(s_resnet);
        var meanImage = OnnxMeanImageRgb();
        foreach (var image in RealImages())
        {
            // ONNX Runtime: the featurizer's own preprocessing graph, then the network.
            var input = new DenseTensor<float>(image, [1, 3, 224, 224]);
            using var prepared = preprocess.Run([NamedOnnxValue.CreateFromTensor(preprocess.InputMetadata.Keys.First(), input)]);
            var bgr = prepared.First().AsTensor<float>();
            using var pooled = network.Run([NamedOnnxValue.CreateFromTensor(network.InputMetadata.Keys.First(), bgr)]);
            float[] expected = pooled.First().AsEnumerable<float>().ToArray();

            // Ours: the same input (RGB minus the same mean image), through the imported network.
            using var scope = NewDisposeScope();
            using var inference = inference_mode();
            var rgb = tensor(image, [1, 3, 224, 224]) - meanImage;
            float[] actual = encoder.PooledFeatures(rgb).data<float>().ToArray();

            Assert.Equal(512, expected.Length);
            double scale = expected.Max(Math.Abs);
            double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) / scale;
            Assert.True(worst < 1e-4, $"relative difference {worst:g3}");
        }
    }

    [Fact]
    public void The_channel_means_the_encoder_subtracts_are_those_of_the_preprocessing_graph()
    {
        var means = ImageNetResNet18Importer.MeanImageChannelMeans(s_preprocess);
        Assert.Equal(123.15, means[0], 2);
        Assert.Equal(115.90, means[1], 2);
        Assert.Equal(103.06, means[2], 2);
        Assert.Equal(ResNetEncoder.ChannelMeans, means.Select(m => (float)Math.Round(m, 5)).ToArray(), new FloatTolerance(1e-3f));
    }

    [Fact]
    public void A_file_that_is_not_the_resnet_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => ImageNetResNet18Importer.Import(s_preprocess));
        Assert.Contains("0 convolution + batch-norm pairs", error.Message, StringComparison.Ordinal);
        string text = Path.GetTempFileName();
        File.WriteAllText(text, "hello");
        try
        {
            Assert.Throws<InvalidDataException>(() => ImageNetResNet18Importer.Import(text));
        }
        finally
        {
            File.Delete(text);
        }
    }

    private static TorchSharp.torch.Tensor OnnxMeanImageRgb()
    {
        var graph = Checkpoints.Onnx.OnnxGraph.Read(s_preprocess);
        var mean = graph.Initializers.Values.Single();
        return tensor(mean.Values, mean.Dims).flip(1); // BGR to RGB
    }

    /// <summary>Real photographs at 224x224, RGB planes 0..255: Penn-Fudan street images when the shared
    /// data is there, and frames of the sample video (always there after setup).</summary>
    private static IEnumerable<float[]> RealImages()
    {
        var sources = new List<string>();
        string pennFudan = Path.Combine(SharedData.Root, "pennfudan", "PennFudanPed", "PNGImages");
        if (Directory.Exists(pennFudan))
            sources.AddRange(Directory.GetFiles(pennFudan, "*.png").Order().Take(2));
        foreach (string source in sources)
            yield return Decode($"-i \"{source}\" -vf scale=224:224");
        string video = Ingest.SampleVideo.Locate();
        foreach (int frame in new[] { 100, 500 })
            yield return Decode($"-i \"{video}\" -vf \"select=eq(n\\,{frame}),scale=224:224\" -frames:v 1");
    }

    private static float[] Decode(string arguments)
    {
        var info = new ProcessStartInfo("ffmpeg", $"-hide_banner -loglevel error {arguments} -f rawvideo -pix_fmt rgb24 -")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        using var buffer = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(buffer);
        process.WaitForExit();
        byte[] hwc = buffer.ToArray();
        Assert.Equal(224 * 224 * 3, hwc.Length);
        var chw = new float[3 * 224 * 224];
        for (int i = 0; i < 224 * 224; i++)
        {
            for (int c = 0; c < 3; c++)
                chw[(c * 224 * 224) + i] = hwc[(3 * i) + c];
        }
        return chw;
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
