using TorchSharp.PyBridge;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// Writes one task of a model in the official per-task layout: a torch.save zip pickle of
/// {"state_dict": {"module." + key: tensor}, "step": n} with the whole shared network, the task's
/// queries (and box head) under decoder_module.predictor, and the neck norm saved a second time as
/// "mask_map.1.ln.*", as the release files have it. Python's torch.load reads it.
/// </summary>
public static class OfficialExporter
{
    public static Dictionary<string, Tensor> StateDict(UniHcpModel model, string task)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Tasks.Contains(task))
            throw new ArgumentException($"The model has no task '{task}'.");
        string own = $"tasks.{task}.";
        // A task with its own encoder is exported with it as the network's encoder: the file then runs the task as ours does.
        bool ownEncoder = model.HasOwnEncoder(task);
        if (model.Tasks[task].OwnEncoderStride is { } stride)
            throw new ArgumentException($"Task '{task}' reads through an encoder of stride {stride} with a mask neck of its own; the one-encoder layout records neither, so it cannot be exported to it.");
        var official = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in model.state_dict())
        {
            if (key.StartsWith("tasks.", StringComparison.Ordinal))
            {
                if (key.StartsWith(own + "backbone_module.", StringComparison.Ordinal))
                    official["module." + key[own.Length..]] = value.detach().to(ScalarType.Float32).contiguous().clone();
                else if (key.StartsWith(own, StringComparison.Ordinal))
                    official["module.decoder_module.predictor." + key[own.Length..]] = value.detach().to(ScalarType.Float32).contiguous().clone();
                continue;
            }
            if (ownEncoder && key.StartsWith("backbone_module.", StringComparison.Ordinal))
                continue;
            official["module." + key] = value.detach().to(ScalarType.Float32).contiguous().clone();
        }
        official["module.neck_module.mask_map.1.ln.weight"] = official["module.neck_module.mask_map.1.weight"].clone();
        official["module.neck_module.mask_map.1.ln.bias"] = official["module.neck_module.mask_map.1.bias"].clone();
        return official;
    }

    public static void Write(string path, IReadOnlyDictionary<string, Tensor> stateDict, long step = 0)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        // A FileStream with FileMode.Create: PyBridge's path overload does not truncate an existing file.
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        PyTorchPickler.PickleStateDict(stream, new Dictionary<string, object>
        {
            ["state_dict"] = stateDict.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            ["step"] = step,
        });
    }
}
