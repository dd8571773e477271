using TorchSharp.PyBridge;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>
/// Writes official-layout per-task checkpoints from a model of ours, as the release files are:
/// torch.save zip pickles of {"state_dict": {"module." + key: tensor}, "step": n} holding the
/// whole shared network, the task's queries under decoder_module.predictor (and the box head for
/// detection), the neck norm saved twice, and loss-only tensors.
/// </summary>
internal static class OfficialLayout
{
    public static Dictionary<string, Tensor> StateDict(UniHcpModel model, string task)
    {
        var official = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in model.state_dict())
        {
            if (key.StartsWith("tasks.", StringComparison.Ordinal))
            {
                string prefix = $"tasks.{task}.";
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                    official["module.decoder_module.predictor." + key[prefix.Length..]] = value.detach().clone();
                continue;
            }
            official["module." + key] = value.detach().clone();
        }
        official["module.neck_module.mask_map.1.ln.weight"] = official["module.neck_module.mask_map.1.weight"].clone();
        official["module.neck_module.mask_map.1.ln.bias"] = official["module.neck_module.mask_map.1.bias"].clone();
        var type = model.Tasks[task].Type;
        if (type is TaskType.ReId or TaskType.ClothChangingReId)
        {
            int width = model.Tasks[task].Queries * model.Config.Decoder.Hidden;
            official["module.decoder_module.loss.norm.weight"] = ones(width);
            official["module.decoder_module.loss.norm.running_mean"] = zeros(width);
            official["module.decoder_module.loss.SoftmaxLoss.classifier.weight"] = randn(11, width);
        }
        if (type == TaskType.Parsing)
            official["module.decoder_module.loss.fd_loss.empty_weight"] = ones(21);
        return official;
    }

    public static void Write(string path, Dictionary<string, Tensor> stateDict, int step = 104_000)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        PyTorchPickler.PickleStateDict(stream, new Dictionary<string, object> { ["state_dict"] = stateDict, ["step"] = step });
    }
}
