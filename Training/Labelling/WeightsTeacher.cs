using System.Globalization;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>
/// Any of our weights files as the teacher: a site holding a strong model (the official ViT-B checkpoint, imported)
/// labels its own footage with every task those weights have - boxes, keypoints, attributes, clothing colours and
/// ReID embeddings - to distil it into the CPU model. Runs the same engine as the pipeline, at the given threshold.
/// </summary>
public sealed class WeightsTeacher(PerceptionEngine engine) : ITeacher
{
    private readonly string _source = $"weights:{engine.ModelVersion}";

    public IReadOnlyDictionary<string, string> Provenance { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["boxes"] = $"weights {engine.ModelVersion} (detection at short side {engine.DetectionResize.ShortSide}, score >= {engine.Options.DetectionThreshold.ToString("0.###", CultureInfo.InvariantCulture)})",
        ["tasks"] = string.Join(", ", engine.CropTasks.Select(t => t.Name)),
        ["min_score"] = engine.Options.DetectionThreshold.ToString("0.###", CultureInfo.InvariantCulture),
        ["operating_score"] = engine.Options.DetectionThreshold.ToString("0.###", CultureInfo.InvariantCulture),
        ["terms"] = engine.Metadata.Provenance.GetValueOrDefault("license") ?? "see the weights file's provenance",
    };

    public Task<IReadOnlyList<PersonLabel>> LabelAsync(RgbImage frame, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var video = new VideoFrame("label", 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, frame.Width, frame.Height, PixelFormat.Rgb24, frame.Pixels);
        var observed = engine.Process([video])[0];
        IReadOnlyList<PersonLabel> labels = observed.Persons.Select(p => new PersonLabel(p.Box, p.Score, _source)
        {
            Keypoints = p.Keypoints is { Count: > 0 } k ? k : null,
            KeypointSource = p.Keypoints is { Count: > 0 } ? _source : null,
            Attributes = p.Attributes?.ToDictionary(a => a.Name, a => a.Probability),
            Colours = p.Parsing is { } parsing ? (parsing.UpperColor, parsing.LowerColor) : null,
            Embedding = p.Embedding.IsEmpty ? null : p.Embedding.ToArray(),
        }).ToList();
        return Task.FromResult(labels);
    }

    public ValueTask DisposeAsync()
    {
        engine.Dispose();
        return ValueTask.CompletedTask;
    }
}
