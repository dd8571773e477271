using System.Globalization;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// The weighted mean of weights files that were fine-tuned from one starting file: a "model soup" (Wortsman et al.,
/// ICML 2022) or, with the starting file itself as one ingredient, WiSE-FT (Wortsman et al., CVPR 2022). Fine-tunes
/// of one start stay in one basin of the loss, so their mean is a model too, and on cameras none of them trained on it
/// tends to beat each of them. Files trained from different starts average to noise: this checks that the files share
/// a configuration and every tensor's name and shape, not that they share a start.
/// </summary>
public static class WeightsAverage
{
    public const string ProvenanceKey = "averaged";

    /// <summary>The mean of <paramref name="paths"/>, each counted by its share (normalised to sum to 1; equal when
    /// null). Inference hints, tasks and provenance come from the first file, less what describes its last training
    /// run (training.*, detection.training_sizes); the ingredients are recorded under <see cref="ProvenanceKey"/>.</summary>
    public static (UniHcpModel Model, WeightsMetadata Metadata) Average(IReadOnlyList<string> paths, IReadOnlyList<double>? shares = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count < 2)
            throw new ArgumentException($"Averaging needs at least two weights files; got {paths.Count}.");
        var weights = Normalise(shares ?? Enumerable.Repeat(1.0, paths.Count).ToList(), paths.Count);
        var (model, metadata) = WeightsFile.Load(paths[0]);
        try
        {
            var sum = model.state_dict();
            var ingredients = new List<string>();
            using (no_grad())
            {
                foreach (var tensor in sum.Values.Where(t => t.is_floating_point()))
                    tensor.mul_(weights[0]);
                ingredients.Add(Describe(weights[0], metadata.Version, paths[0]));
                for (int i = 1; i < paths.Count; i++)
                {
                    var (other, otherMetadata) = WeightsFile.Load(paths[i]);
                    using (other)
                    {
                        if (otherMetadata.Config.Name != metadata.Config.Name)
                            throw new ArgumentException($"'{paths[i]}' is configuration {otherMetadata.Config.Name}, '{paths[0]}' is {metadata.Config.Name}: only weights of one configuration average.");
                        var tensors = other.state_dict();
                        StateDictLoader.Check(model, tensors, paths[i]);
                        foreach (var (name, tensor) in sum)
                        {
                            // Integer buffers (batch-norm step counters) are not quantities to average: the first file's stay.
                            if (tensor.is_floating_point())
                                tensor.add_(tensors[name], alpha: weights[i]);
                        }
                        ingredients.Add(Describe(weights[i], otherMetadata.Version, paths[i]));
                    }
                }
            }
            // What describes the first file's last training run (its steps, options, held-out metrics, sizes) is not
            // true of the mean: it is dropped, and the ingredients are named instead.
            var provenance = metadata.Provenance
                .Where(p => !p.Key.StartsWith("training.", StringComparison.Ordinal) && p.Key != "detection.training_sizes")
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            provenance[ProvenanceKey] = string.Join(" + ", ingredients);
            return (model, metadata with { Provenance = provenance, Created = DateTimeOffset.UtcNow });
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static double[] Normalise(IReadOnlyList<double> shares, int count)
    {
        if (shares.Count != count)
            throw new ArgumentException($"{shares.Count} shares given for {count} weights files; give one per file.");
        if (shares.Any(s => !(s > 0) || double.IsInfinity(s)))
            throw new ArgumentException($"Shares must be finite and above 0; got {string.Join(", ", shares.Select(s => s.ToString(CultureInfo.InvariantCulture)))}.");
        double total = shares.Sum();
        return shares.Select(s => s / total).ToArray();
    }

    private static string Describe(double share, string version, string path) =>
        string.Create(CultureInfo.InvariantCulture, $"{share:0.###} x {version} ({Path.GetFileName(path)})");
}
