using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.ReId;

/// <summary>
/// ReID scores of a model's task on identity-labelled crops of one video, split in time into two "cameras": each
/// identity's middle view before <c>splitFrame</c> is a query (camera 0), every view from <c>splitFrame</c> on is
/// gallery (camera 1); then the Market-1501 protocol (<see cref="ReIdMetrics"/>). Crops as the engine cuts them.
/// </summary>
public static class ReIdEvaluator
{
    public static CropSize Input { get; } = new(128, 256);

    public static ReIdScores Evaluate(UniHcpModel model, string task, IReadOnlyList<IdentityCrop> crops, long splitFrame, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(crops);
        model.eval();
        var queries = crops.Where(c => c.Frame < splitFrame).GroupBy(c => c.Identity)
            .Select(g => g.OrderBy(c => c.Frame).ElementAt(g.Count() / 2)).ToList();
        var gallery = crops.Where(c => c.Frame >= splitFrame).ToList();
        if (queries.Count == 0 || gallery.Count == 0)
            throw new ArgumentException($"No {(queries.Count == 0 ? "query" : "gallery")} crops: every identity crop lies {(queries.Count == 0 ? "at or after" : "before")} frame {splitFrame}.");
        var queryFeatures = Features(model, task, queries, device);
        var galleryFeatures = Features(model, task, gallery, device);
        return ReIdMetrics.Evaluate(
            [.. queries.Select((c, i) => new ReIdSample(queryFeatures[i], c.Identity, 0))],
            [.. gallery.Select((c, i) => new ReIdSample(galleryFeatures[i], c.Identity, 1))]);
    }

    /// <summary>The Market-1501 protocol on given query and gallery sets with their cameras (`eval reid` on such a folder).</summary>
    public static ReIdScores Evaluate(UniHcpModel model, string task, IReadOnlyList<CameraCrop> queries, IReadOnlyList<CameraCrop> gallery, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(gallery);
        model.eval();
        var queryFeatures = Features(model, task, [.. queries.Select(q => q.Crop)], device);
        var galleryFeatures = Features(model, task, [.. gallery.Select(g => g.Crop)], device);
        return ReIdMetrics.Evaluate(
            [.. queries.Select((q, i) => new ReIdSample(queryFeatures[i], q.Crop.Identity, q.Camera))],
            [.. gallery.Select((g, i) => new ReIdSample(galleryFeatures[i], g.Crop.Identity, g.Camera))]);
    }

    internal static VideoFrame Frame(IdentityCrop crop) =>
        new("reid", 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, crop.Image.Width, crop.Image.Height, PixelFormat.Rgb24, crop.Image.Pixels);

    private static List<float[]> Features(UniHcpModel model, string task, IReadOnlyList<IdentityCrop> crops, Device device)
    {
        var features = new List<float[]>();
        using var inference = inference_mode();
        foreach (var chunk in crops.Chunk(32))
        {
            using var scope = NewDisposeScope();
            var batch = cat(chunk.Select(c => ImageTensors.Crops(ImageTensors.FromFrame(Frame(c), device), [CropBox.Around(c.Box, Input.Width, Input.Height)], Input)).ToList(), 0);
            using var output = model.Run(task, model.Encode(batch));
            var values = output.Features!.to(ScalarType.Float32).cpu().contiguous();
            int width = (int)values.shape[1];
            float[] all = values.data<float>().ToArray();
            for (int i = 0; i < chunk.Length; i++)
                features.Add(all.AsSpan(i * width, width).ToArray());
        }
        return features;
    }
}
