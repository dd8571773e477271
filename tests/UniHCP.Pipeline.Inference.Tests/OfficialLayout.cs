using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>
/// Official-layout per-task checkpoints from a model of ours, as the release files are: the
/// exporter's layout plus the loss-only tensors the release files also carry.
/// </summary>
internal static class OfficialLayout
{
    public static Dictionary<string, Tensor> StateDict(UniHcpModel model, string task)
    {
        var official = OfficialExporter.StateDict(model, task);
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

    public static void Write(string path, Dictionary<string, Tensor> stateDict, int step = 104_000) =>
        OfficialExporter.Write(path, stateDict, step);
}
