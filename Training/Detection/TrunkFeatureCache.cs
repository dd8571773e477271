using System.Diagnostics;
using System.Globalization;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Inference.Processing;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Detection;

/// <summary>
/// One augmented view of a training image as the frozen trunk sees it: the trunk's output
/// [C, h, w] (bfloat16, on the CPU) and the targets on that canvas (boxes cx, cy, w, h and ignore
/// regions x1, y1, x2, y2, both as fractions of the padded canvas, as the model predicts).
/// </summary>
public sealed record TrunkView(Tensor Trunk, float[] Boxes, float[] Ignore);

/// <summary>
/// The frozen trunk's output for every training image at each training scale, plain and mirrored,
/// computed once. With the trunk fixed, a step then runs only the feature pyramid and the decoder,
/// a fraction of a full step on a CPU, so the DETR-style head can see many more images in the same
/// time; the encoder's cost is paid once per view instead of once per step.
/// </summary>
public sealed class TrunkFeatureCache : IDisposable
{
    private readonly Dictionary<DetectionSample, List<TrunkView>> _views;

    private TrunkFeatureCache(Dictionary<DetectionSample, List<TrunkView>> views, bool beforeTail)
    {
        _views = views;
        BeforeTail = beforeTail;
    }

    /// <summary>The views hold the trunk's output before its last block (UniHcpModel.TrunkTailParts), which then
    /// runs in every step and may learn; otherwise the whole trunk's output.</summary>
    public bool BeforeTail { get; }

    /// <summary>Bytes held by the cached trunk outputs.</summary>
    public long Bytes => _views.Values.SelectMany(v => v).Sum(v => v.Trunk.NumberOfElements * v.Trunk.ElementSize);

    public int ViewCount => _views.Values.Sum(v => v.Count);

    public IReadOnlyList<TrunkView> ViewsOf(DetectionSample sample) =>
        _views.TryGetValue(sample, out var views) ? views : throw new KeyNotFoundException($"Sample '{sample.Id}' is not in the trunk cache.");

    /// <summary>Runs the trunk on each sample at every short side in <paramref name="augment"/>, plain and (when
    /// the augmentation flips) mirrored, in bfloat16 when <paramref name="bfloat16"/> (as the training
    /// passes would). Progress goes to <paramref name="log"/>. With <paramref name="beforeTail"/> the views stop
    /// before the trunk's last block, so that a run can fine-tune it.</summary>
    public static TrunkFeatureCache Build(UniHcpModel model, IEnumerable<DetectionSample> samples, DetectionAugment augment, bool bfloat16, Device device, TextWriter log, CancellationToken cancellationToken = default, bool beforeTail = false)
    {
        if (model.TrunkParts.Count == 0)
            throw new ArgumentException($"The {model.Config.Name} configuration has no separable encoder trunk to cache (r18-s16 has).");
        var distinct = samples.Distinct(ReferenceEqualityComparer.Instance).Cast<DetectionSample>().ToList();
        var flips = augment.FlipProbability > 0 ? new[] { false, true } : [false];
        var views = new Dictionary<DetectionSample, List<TrunkView>>(ReferenceEqualityComparer.Instance);
        var clock = Stopwatch.StartNew();
        using var mixed = bfloat16 ? new MixedPrecision(model, device) : null;
        var trunkModel = mixed?.Work ?? model;
        bool wasTraining = trunkModel.training;
        trunkModel.eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var sample in distinct)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var list = new List<TrunkView>();
                foreach (int side in augment.ShortSides)
                {
                    foreach (bool flip in flips)
                    {
                        using var scope = NewDisposeScope();
                        var (normalized, target) = DetectionBatcher.Prepare(model, sample, new DetectionResize(side, augment.MaxLongSide), flip, augment with { CropSize = 0 }, null, device);
                        var trunk = trunkModel.EncodeTrunk(normalized, beforeTail)[0].to(ScalarType.BFloat16).cpu();
                        list.Add(new TrunkView(trunk.MoveToOuterDisposeScope(), Floats(target.Boxes), Floats(target.Ignore)));
                    }
                }
                views[sample] = list;
                if (views.Count % 50 == 0 || views.Count == distinct.Count)
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trunk cache: {views.Count}/{distinct.Count} images, {views.Values.Sum(v => v.Count)} views, {clock.Elapsed.TotalSeconds:0} s"));
            }
        }
        catch
        {
            foreach (var view in views.Values.SelectMany(v => v))
                view.Trunk.Dispose();
            throw;
        }
        finally
        {
            trunkModel.train(wasTraining);
        }
        return new TrunkFeatureCache(views, beforeTail);
    }

    /// <summary>
    /// <see cref="Build"/>, or the cache saved in <paramref name="file"/> by an earlier run when it was made
    /// from the same trunk weights, samples and augmentation (a resumed run skips the trunk passes); a
    /// new or mismatching file is (re)written.
    /// </summary>
    public static TrunkFeatureCache LoadOrBuild(string file, UniHcpModel model, IReadOnlyList<DetectionSample> samples, DetectionAugment augment, bool bfloat16, Device device, TextWriter log, CancellationToken cancellationToken = default, bool beforeTail = false)
    {
        string key = Key(model, samples, augment, bfloat16, beforeTail);
        if (File.Exists(file))
        {
            try
            {
                if (TryLoad(file, key, samples, beforeTail) is { } loaded)
                {
                    log.WriteLine($"trunk cache: {loaded.ViewCount} views read from {file}");
                    return loaded;
                }
                log.WriteLine($"trunk cache: {file} was made from other weights, data or augmentation; rebuilding it");
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or EndOfStreamException)
            {
                log.WriteLine($"trunk cache: {file} is unreadable ({ex.Message}); rebuilding it");
            }
        }
        var cache = Build(model, samples, augment, bfloat16, device, log, cancellationToken, beforeTail);
        cache.Save(file, key);
        return cache;
    }

    // What the cached outputs depend on: the weights of the trunk's cached part (a checksum), where it stops, the
    // images, the scales and mirrors.
    private static string Key(UniHcpModel model, IReadOnlyList<DetectionSample> samples, DetectionAugment augment, bool bfloat16, bool beforeTail)
    {
        var cachedParts = model.FrozenTrunkParts(beforeTail);
        double checksum = 0;
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (cachedParts.Any(part => name.StartsWith($"backbone_module.{part}.", StringComparison.Ordinal)))
                    checksum += parameter.to(ScalarType.Float64).abs().sum().item<double>();
            }
        }
        var ids = string.Join('|', samples.Select(s => $"{s.Dataset}/{s.Id}/{s.Image.Width}x{s.Image.Height}/{s.Boxes.Count}/{s.Ignore.Count}"));
        return string.Create(CultureInfo.InvariantCulture, $"v1;{model.Config.Name};{checksum:R};{string.Join(',', augment.ShortSides)};{augment.MaxLongSide};{augment.FlipProbability > 0};{augment.MinBoxSide};{bfloat16};{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ids)))}{(beforeTail ? ";before-tail" : "")}");
    }

    private void Save(string file, string key)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        string partial = file + ".partial";
        using (var writer = new BinaryWriter(File.Create(partial)))
        {
            writer.Write(Magic);
            writer.Write(key);
            writer.Write(_views.Count);
            foreach (var (sample, views) in _views)
            {
                writer.Write(sample.Dataset + "/" + sample.Id);
                writer.Write(views.Count);
                foreach (var view in views)
                {
                    foreach (long dim in view.Trunk.shape)
                        writer.Write((int)dim);
                    using var contiguous = view.Trunk.contiguous();
                    writer.Write(contiguous.bytes);
                    WriteFloats(writer, view.Boxes);
                    WriteFloats(writer, view.Ignore);
                }
            }
        }
        File.Move(partial, file, overwrite: true);
    }

    private static TrunkFeatureCache? TryLoad(string file, string key, IReadOnlyList<DetectionSample> samples, bool beforeTail)
    {
        using var reader = new BinaryReader(File.OpenRead(file));
        if (reader.ReadString() != Magic)
            throw new InvalidDataException("not a trunk cache file");
        if (reader.ReadString() != key)
            return null;
        var byName = samples.GroupBy(s => s.Dataset + "/" + s.Id).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var views = new Dictionary<DetectionSample, List<TrunkView>>(ReferenceEqualityComparer.Instance);
        try
        {
            int count = reader.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                var sample = byName.TryGetValue(name, out var found) ? found : throw new InvalidDataException($"sample '{name}' is not in the training data");
                int viewCount = reader.ReadInt32();
                var list = new List<TrunkView>();
                for (int v = 0; v < viewCount; v++)
                {
                    long[] shape = [reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()];
                    if (shape.Any(d => d is < 1 or > 100_000))
                        throw new InvalidDataException($"view {v} of '{name}' has shape [{string.Join(", ", shape)}]");
                    var bytes = reader.ReadBytes(checked((int)(shape[0] * shape[1] * shape[2] * 2)));
                    if (bytes.Length != shape[0] * shape[1] * shape[2] * 2)
                        throw new EndOfStreamException($"view {v} of '{name}' is cut short");
                    var trunk = empty(shape, ScalarType.BFloat16);
                    trunk.bytes = bytes;
                    list.Add(new TrunkView(trunk, ReadFloats(reader), ReadFloats(reader)));
                }
                views[sample] = list;
            }
            if (views.Count != byName.Count)
                throw new InvalidDataException($"{views.Count} of {byName.Count} samples");
            return new TrunkFeatureCache(views, beforeTail);
        }
        catch
        {
            foreach (var view in views.Values.SelectMany(v => v))
                view.Trunk.Dispose();
            throw;
        }
    }

    private const string Magic = "unihcp-trunk-cache";

    private static void WriteFloats(BinaryWriter writer, float[] values)
    {
        writer.Write(values.Length);
        foreach (float value in values)
            writer.Write(value);
    }

    private static float[] ReadFloats(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        if (length is < 0 or > 1_000_000)
            throw new InvalidDataException($"a target list of {length} values");
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = reader.ReadSingle();
        return values;
    }

    // data<T>() of an empty tensor throws, and images without people (or ignore regions) are common.
    private static float[] Floats(Tensor t) => t.NumberOfElements == 0 ? [] : t.cpu().contiguous().data<float>().ToArray();

    public void Dispose()
    {
        foreach (var view in _views.Values.SelectMany(v => v))
            view.Trunk.Dispose();
        _views.Clear();
    }
}
