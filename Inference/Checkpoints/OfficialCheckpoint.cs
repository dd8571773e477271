using System.Collections;
using System.IO.Compression;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// One official per-task checkpoint (ckpt_task{K}_iter_newest.pth.tar): a torch.save dict with
/// "state_dict" (keys prefixed "module."), "step" and "optimizer". Only the state dict is read.
/// </summary>
internal sealed class OfficialCheckpoint : IDisposable
{
    private OfficialCheckpoint(string path, Dictionary<string, Tensor> tensors, long? step)
    {
        Path = path;
        Tensors = tensors;
        Step = step;
    }

    public string Path { get; }

    /// <summary>The state dict with the "module." prefix removed.</summary>
    public Dictionary<string, Tensor> Tensors { get; }

    public long? Step { get; }

    public static OfficialCheckpoint Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        Hashtable top;
        try
        {
            top = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidCastException or NotSupportedException or NotImplementedException or ArgumentException or KeyNotFoundException or NullReferenceException or FormatException)
        {
            string hint = !IsZip(path)
                ? " It is not a zip archive: only the zip format of torch.save (PyTorch 1.6 and later) can be read; re-save it with torch.save(torch.load(f), f) in Python."
                : string.Empty;
            throw new InvalidDataException($"Checkpoint '{path}' could not be read as a PyTorch checkpoint: {ex.Message.TrimEnd('.')}.{hint}", ex);
        }

        IDictionary stateDict = top["state_dict"] as IDictionary ?? top;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in stateDict)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor)
            {
                if (ReferenceEquals(stateDict, top))
                    continue; // a bare state dict saved with other entries next to it
                throw new InvalidDataException($"Checkpoint '{path}': state_dict entry '{entry.Key}' is not a named tensor.");
            }
            tensors[key.StartsWith("module.", StringComparison.Ordinal) ? key["module.".Length..] : key] = tensor;
        }
        if (tensors.Count == 0)
            throw new InvalidDataException($"Checkpoint '{path}' holds no tensors (expected a 'state_dict').");
        long? step = top["step"] switch { int i => i, long l => l, _ => null };
        return new OfficialCheckpoint(path, tensors, step);
    }

    private static bool IsZip(string path)
    {
        try
        {
            using var archive = ZipFile.OpenRead(path);
            return true;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
            tensor.Dispose();
    }
}
