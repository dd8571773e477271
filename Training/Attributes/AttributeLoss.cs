using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Attributes;

/// <summary>
/// The attribute loss of the release (the pedestrian-attribute baseline's weighted sigmoid cross-entropy):
/// binary cross-entropy per attribute, a positive label weighted exp(1 - r) and a negative one exp(r), where r is
/// the attribute's share of positives in the training set, so that rare attributes are not drowned by their
/// negatives. Labels are 1, 0 or -1 (unknown: no loss). Summed over attributes, averaged over the batch.
/// </summary>
public sealed class AttributeLoss
{
    private readonly float[] _positiveRatios;

    /// <param name="positiveRatios">r per attribute, from <see cref="PositiveRatios"/> on the training labels.</param>
    public AttributeLoss(IReadOnlyList<double> positiveRatios)
    {
        ArgumentNullException.ThrowIfNull(positiveRatios);
        if (positiveRatios.Count == 0)
            throw new ArgumentException("No attributes: give one positive ratio per attribute.", nameof(positiveRatios));
        for (int a = 0; a < positiveRatios.Count; a++)
        {
            if (!(positiveRatios[a] is >= 0 and <= 1))
                throw new ArgumentOutOfRangeException(nameof(positiveRatios), $"Attribute {a}: positive ratio {positiveRatios[a]} is not between 0 and 1.");
        }
        _positiveRatios = positiveRatios.Select(r => (float)r).ToArray();
    }

    public int Attributes => _positiveRatios.Length;

    /// <summary>Each attribute's share of positive labels among its known ones (0 where none is known).</summary>
    public static double[] PositiveRatios(IReadOnlyList<IReadOnlyList<int>> labels, int attributes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var positives = new long[attributes];
        var known = new long[attributes];
        foreach (var row in labels)
        {
            if (row.Count != attributes)
                throw new ArgumentException($"A label row has {row.Count} values; expected {attributes}.", nameof(labels));
            for (int a = 0; a < attributes; a++)
            {
                if (row[a] is < -1 or > 1)
                    throw new ArgumentException($"Attribute label {row[a]} is not 1, 0 or -1 (unknown).", nameof(labels));
                if (row[a] < 0)
                    continue;
                known[a]++;
                positives[a] += row[a];
            }
        }
        return [.. Enumerable.Range(0, attributes).Select(a => known[a] == 0 ? 0 : (double)positives[a] / known[a])];
    }

    /// <param name="logits">[B, A] (the attribute task's global logits).</param>
    /// <param name="labels">[B, A] with 1, 0 or -1.</param>
    public Tensor Compute(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        if (logits.dim() != 2 || logits.shape[1] != Attributes || !logits.shape.SequenceEqual(labels.shape))
            throw new ArgumentException($"Attribute logits [{string.Join(", ", logits.shape)}] and labels [{string.Join(", ", labels.shape)}] must both be [B, {Attributes}].");
        using var scope = NewDisposeScope();
        logits = logits.to(ScalarType.Float32);
        labels = labels.to(ScalarType.Float32);
        var ratio = tensor(_positiveRatios, device: logits.device).unsqueeze(0);
        var positive = labels.gt(0.5).to(ScalarType.Float32);
        var known = labels.ge(0).to(ScalarType.Float32);
        var weight = exp((positive * (1 - ratio)) + ((1 - positive) * ratio)) * known;
        var perEntry = nn.functional.binary_cross_entropy_with_logits(logits, positive, reduction: nn.Reduction.None);
        return ((perEntry * weight).sum() / logits.shape[0]).MoveToOuterDisposeScope();
    }
}
