using TorchSharp;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

public sealed class ResNetEncoderTests
{
    [Fact]
    public void Every_task_runs_on_the_resnet_encoder_with_the_same_output_shapes()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.EnsureLoaded();
        using var model = TestModels.Seeded(2, ModelConfig.ResNet18, TaskRegistry.Standard);
        model.eval();
        using var inference = inference_mode();
        var images = TestModels.Images(2, 64, 40); // padded to 64 x 48 (a multiple of 16 without stage 4)

        var tokens = model.Encode(images);
        var maskFeatures = model.MaskFeatures(tokens);

        Assert.Equal([2, 256, 8, 6], tokens.shape);        // stride 8
        Assert.Equal([2, 256, 16, 12], maskFeatures.shape); // stride 4
        using var detection = model.Run("detection", tokens);
        Assert.Equal([2, 900, 4], detection.Boxes!.shape);
        using var pose = model.Run("pose", tokens, maskFeatures);
        Assert.Equal([2, 17, 16, 12], pose.LocalMapLogits!.shape);
        using var reid = model.Run("reid", tokens);
        Assert.Equal([2, 6 * 256], reid.Features!.shape);
        Assert.DoesNotContain(model.state_dict().Keys, k => k.Contains("pos_embed", StringComparison.Ordinal));
        Assert.DoesNotContain(model.state_dict().Keys, k => k.StartsWith("backbone_module.layer4.", StringComparison.Ordinal));
        using var full = TestModels.Seeded(1, ModelConfig.ResNet18Full, TaskRegistry.Standard);
        Assert.Contains("backbone_module.layer4.2.bn2.running_var", full.state_dict().Keys);
        Assert.Contains("backbone_module.layer2.0.downsample.0.weight", model.state_dict().Keys);
    }

    [Fact]
    public void A_training_step_leaves_the_frozen_batch_norm_unchanged_and_trains_the_rest()
    {
        TorchRuntime.EnsureLoaded();
        using var model = TestModels.Seeded(4, ModelConfig.ResNet18, new TaskRegistry([TaskRegistry.Detection(3, 10)]));
        model.train();
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        var parameters = model.parameters().ToList();
        using var optimizer = optim.SGD(parameters, 0.1);

        using (var scope = NewDisposeScope())
        {
            using var output = model.Forward("detection", TestModels.Images(2, 64, 64));
            var loss = output.Boxes!.sum() + output.GlobalLogits!.sum();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        var after = model.state_dict();
        foreach (string key in before.Keys.Where(k => k.Contains("bn", StringComparison.Ordinal) || k.Contains("downsample.1", StringComparison.Ordinal)))
            Assert.True(before[key].equal(after[key]).all().item<bool>(), $"{key} changed");
        Assert.False(before["backbone_module.conv1.weight"].equal(after["backbone_module.conv1.weight"]).all().item<bool>(), "convolutions train");
        Assert.DoesNotContain(parameters, p => p.shape.Length == 1 && before.Any(b => b.Key.EndsWith("running_mean", StringComparison.Ordinal) && ReferenceEquals(after[b.Key], p)));
    }
}
