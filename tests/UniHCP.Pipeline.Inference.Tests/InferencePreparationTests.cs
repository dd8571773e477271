using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>UniHcpModel.PrepareForInference: folded batch norms and channels-last convolutions give the
/// plain model's outputs.</summary>
public sealed class InferencePreparationTests
{
    [Theory]
    [InlineData("r18-s16")]
    [InlineData("r18-full")]
    public void A_prepared_model_gives_the_plain_models_outputs(string preset)
    {
        TorchRuntime.EnsureLoaded();
        var config = ModelConfig.Preset(preset);
        var tasks = new TaskRegistry([TaskRegistry.Detection(3, 10), TaskRegistry.Standard["pose"]]);
        using var plain = TestModels.Seeded(11, config, tasks);
        // A copy, not a second seeded build: other tests (and weights loading) draw from libtorch's global
        // generator in parallel, so two seeded builds are not guaranteed to be equal.
        using var prepared = TestModels.CopyOf(plain);
        // Statistics far from the identity, so that a fold that forgot the mean or the variance shows.
        using (no_grad())
        {
            var generator = new TorchSharp.torch.Generator(5);
            foreach (var (name, buffer) in plain.named_buffers().Where(b => b.name.Contains("bn", StringComparison.Ordinal) || b.name.Contains("downsample.1", StringComparison.Ordinal)))
            {
                var values = name.EndsWith("running_var", StringComparison.Ordinal)
                    ? rand(buffer.shape, generator: generator) + 0.5
                    : randn(buffer.shape, generator: generator) * 0.5;
                buffer.copy_(values);
                prepared.named_buffers().Single(b => b.name == name).buffer.copy_(values);
            }
        }
        plain.eval();
        prepared.PrepareForInference(ScalarType.Float32);
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var images = TestModels.Images(2, 96, 64);

        var expectedTokens = plain.Encode(images);
        var actualTokens = prepared.Encode(images);
        using var expected = plain.Run("detection", expectedTokens);
        using var actual = prepared.Run("detection", actualTokens);

        Assert.True(actualTokens.allclose(expectedTokens, rtol: 1e-4, atol: 1e-3), $"tokens differ by up to {(actualTokens - expectedTokens).abs().max().item<float>()}");
        Assert.True(actual.Boxes!.allclose(expected.Boxes!, rtol: 1e-4, atol: 1e-4));
        Assert.True(actual.GlobalLogits!.allclose(expected.GlobalLogits!, rtol: 1e-4, atol: 1e-3));
        var conv = prepared.state_dict()["backbone_module.layer1.0.conv1.weight"];
        Assert.Equal(1, conv.stride(1)); // channels-last: the channel is the innermost dimension
        Assert.Contains("backbone_module.layer1.0.conv1.bias", prepared.state_dict().Keys);
    }
}
