using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Detection;

/// <summary>
/// Detection training on cached trunk outputs (<see cref="TrunkFeatureCache"/>): the same matching
/// and losses as <see cref="DetectionTrainingTask"/>, with the encoder's pretrained trunk frozen so
/// that a step runs only the feature pyramid and the decoder. Each image is drawn at a random cached
/// scale and mirror, then cropped on the token grid (a translation and zoom the head must not memorise).
/// A cache made before the trunk's last block runs that block in every step, so it can learn too.
/// </summary>
public sealed class CachedDetectionTrainingTask(string task, IReadOnlyList<DetectionDataset> datasets, TrunkFeatureCache cache, int batchSize, DetectionLossWeights weights, double cropProbability = 0.5, double minCropShare = 0.6, float minVisibleShare = 0.4f) : ITrainingTask
{
    private readonly DetectionCriterion _criterion = new(weights);

    public string Task { get; } = task;

    public int BatchSize { get; } = batchSize;

    public (Tensor Loss, IReadOnlyDictionary<string, double> Parts) Step(UniHcpModel model, Random random, Device device)
    {
        var views = new List<(Tensor Trunk, float[] Boxes, float[] Ignore)>();
        for (int i = 0; i < BatchSize; i++)
        {
            var cached = cache.ViewsOf(DetectionTrainingTask.Draw(datasets, random));
            views.Add(Crop(cached[random.Next(cached.Count)], random));
        }
        // One grid for the batch: zero trunk features right and bottom, and targets re-expressed as fractions of it.
        long h = views.Max(v => v.Trunk.shape[1]), w = views.Max(v => v.Trunk.shape[2]);
        var padded = views.Select(v => nn.functional.pad(v.Trunk, [0, w - v.Trunk.shape[2], 0, h - v.Trunk.shape[1]]).unsqueeze(0)).ToList();
        var targets = views.Select(v => Target(v.Boxes, v.Ignore, (float)v.Trunk.shape[2] / w, (float)v.Trunk.shape[1] / h, device)).ToList();
        var tokens = model.EncodeFromTrunk(cat(padded, 0).to(device), throughTail: cache.BeforeTail);
        var layers = model.RunAllLayers(Task, tokens);
        try
        {
            var (loss, parts) = _criterion.Compute(layers, targets);
            return (loss, DetectionTrainingTask.LogParts(parts));
        }
        finally
        {
            foreach (var layer in layers)
                layer.Dispose();
        }
    }

    public IReadOnlyDictionary<string, double> Evaluate(UniHcpModel model, Device device) => DetectionTrainingTask.EvaluateHeldOut(model, Task, datasets, device);

    /// <summary>A random window of the view's token grid (the whole grid with probability 1 - cropProbability),
    /// with its targets as fractions of the window. A person cut by the window stays a target when
    /// <paramref name="minVisibleShare"/> of its box is inside; otherwise its visible part is ignored.</summary>
    private (Tensor Trunk, float[] Boxes, float[] Ignore) Crop(TrunkView view, Random random)
    {
        int gh = (int)view.Trunk.shape[1], gw = (int)view.Trunk.shape[2];
        if (random.NextDouble() >= cropProbability)
            return (view.Trunk, view.Boxes, view.Ignore);
        int ch = random.Next((int)Math.Ceiling(minCropShare * gh), gh + 1), cw = random.Next((int)Math.Ceiling(minCropShare * gw), gw + 1);
        return Crop(view, random.Next(gh - ch + 1), random.Next(gw - cw + 1), ch, cw, minVisibleShare);
    }

    /// <summary>The window [left, left + cw) x [top, top + ch) of the view's grid (token units) with its targets.</summary>
    internal static (Tensor Trunk, float[] Boxes, float[] Ignore) Crop(TrunkView view, int top, int left, int ch, int cw, float minVisibleShare)
    {
        int gh = (int)view.Trunk.shape[1], gw = (int)view.Trunk.shape[2];
        var boxes = new List<float>();
        var ignore = new List<float>();
        void Keep(List<float> into, float x1, float y1, float x2, float y2, bool centre)
        {
            float a = (x1 - left) / cw, b = (y1 - top) / ch, c = (x2 - left) / cw, d = (y2 - top) / ch;
            into.AddRange(centre ? [(a + c) / 2, (b + d) / 2, c - a, d - b] : [a, b, c, d]);
        }
        for (int i = 0; i + 3 < view.Boxes.Length; i += 4)
        {
            float cx = view.Boxes[i] * gw, cy = view.Boxes[i + 1] * gh, bw = view.Boxes[i + 2] * gw, bh = view.Boxes[i + 3] * gh;
            float x1 = cx - bw / 2, y1 = cy - bh / 2, x2 = cx + bw / 2, y2 = cy + bh / 2;
            float vx1 = Math.Max(x1, left), vy1 = Math.Max(y1, top), vx2 = Math.Min(x2, left + cw), vy2 = Math.Min(y2, top + ch);
            if (vx2 <= vx1 || vy2 <= vy1)
                continue;
            bool enough = (vx2 - vx1) * (vy2 - vy1) >= minVisibleShare * bw * bh;
            Keep(enough ? boxes : ignore, vx1, vy1, vx2, vy2, centre: enough);
        }
        for (int i = 0; i + 3 < view.Ignore.Length; i += 4)
        {
            float x1 = Math.Max(view.Ignore[i] * gw, left), y1 = Math.Max(view.Ignore[i + 1] * gh, top);
            float x2 = Math.Min(view.Ignore[i + 2] * gw, left + cw), y2 = Math.Min(view.Ignore[i + 3] * gh, top + ch);
            if (x2 > x1 && y2 > y1)
                Keep(ignore, x1, y1, x2, y2, centre: false);
        }
        return (view.Trunk[.., top..(top + ch), left..(left + cw)], boxes.ToArray(), ignore.ToArray());
    }

    private static DetectionTarget Target(float[] boxes, float[] ignore, float sx, float sy, Device device)
    {
        var scale = tensor(new[] { sx, sy, sx, sy }, device: device);
        return new DetectionTarget(
            tensor(boxes, [boxes.Length / 4, 4], device: device) * scale,
            tensor(ignore, [ignore.Length / 4, 4], device: device) * scale);
    }
}
