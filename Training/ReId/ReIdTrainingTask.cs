using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.ReId;

/// <summary>
/// ReID training on identity-labelled person boxes: each step samples <c>identities x views</c> crops (the
/// identity-balanced P x K sampler the batch-hard triplet needs), cut as the engine cuts them (256x128, box enlarged
/// 1.25x) with random mirroring and random erasing (<see cref="RandomErasing"/>), and applies <see cref="ReIdCriterion"/> to the task's feature unit. Held-out: the
/// Market-1501 protocol with the held-out tracklets split in time - each identity's middle view before
/// <c>splitFrame</c> is a query ("camera 0"), every view from <c>splitFrame</c> on is gallery ("camera 1").
/// </summary>
public sealed class ReIdTrainingTask : ITrainingTask
{
    private readonly Dictionary<int, List<IdentityCrop>> _byIdentity;
    private readonly List<int> _identities;
    private readonly IReadOnlyList<IdentityCrop> _validation;
    private readonly string _dataset;
    private readonly int _views;
    private readonly long _splitFrame;
    private readonly CropSize _input = ReIdEvaluator.Input;
    private readonly ReIdCriterion _criterion;

    public ReIdTrainingTask(string task, string dataset, IReadOnlyList<IdentityCrop> train, IReadOnlyList<IdentityCrop> validation, int featureWidth, int identities = 8, int views = 4, long splitFrame = 550)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentOutOfRangeException.ThrowIfLessThan(identities, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(views, 2);
        Task = task;
        _dataset = dataset;
        _views = views;
        _splitFrame = splitFrame;
        _byIdentity = train.GroupBy(c => c.Identity).ToDictionary(g => g.Key, g => g.ToList());
        _identities = [.. _byIdentity.Keys.Order()];
        if (_identities.Count < identities)
            throw new ArgumentException($"ReID dataset '{dataset}' has {_identities.Count} identities; a batch needs {identities}.");
        if (_identities.Max() != _identities.Count - 1)
            throw new ArgumentException($"ReID dataset '{dataset}': identities must be numbered 0..{_identities.Count - 1}.");
        BatchSize = identities * views;
        IdentitiesPerBatch = identities;
        _validation = validation;
        _criterion = new ReIdCriterion(featureWidth, _identities.Count);
    }

    public string Task { get; }

    public int BatchSize { get; }

    public int IdentitiesPerBatch { get; }

    /// <summary>Random mirror and erasing (on by default; off to fit a fixed batch exactly, as the overfit test does).</summary>
    public bool Augment { get; init; } = true;

    public IEnumerable<TorchSharp.Modules.Parameter> TrainingOnlyParameters => _criterion.parameters().Where(p => p.requires_grad);

    public (Tensor Loss, IReadOnlyDictionary<string, double> Parts) Step(UniHcpModel model, Random random, Device device)
    {
        var chosen = _identities.OrderBy(_ => random.Next()).Take(IdentitiesPerBatch).ToList();
        var crops = new List<Tensor>();
        var labels = new List<long>();
        foreach (int identity in chosen)
        {
            var views = _byIdentity[identity];
            for (int k = 0; k < _views; k++)
            {
                var view = views[random.Next(views.Count)];
                var pixels = ImageTensors.Crops(ImageTensors.FromFrame(ReIdEvaluator.Frame(view), device), [CropBox.Around(view.Box, _input.Width, _input.Height)], _input);
                if (Augment)
                {
                    pixels = random.NextDouble() < 0.5 ? pixels.flip(3) : pixels;
                    RandomErasing.Apply(pixels, random);
                }
                crops.Add(pixels);
                labels.Add(identity);
            }
        }
        _criterion.train();
        var tokens = model.Encode(cat(crops, 0));
        using var output = model.Run(Task, tokens);
        var (loss, parts) = _criterion.Compute(output.Features!, tensor(labels.ToArray(), device: device));
        return (loss, new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [$"{_dataset}.reid_identity"] = parts.Identity,
            [$"{_dataset}.reid_triplet"] = parts.Triplet,
        });
    }

    public IReadOnlyDictionary<string, double> Evaluate(UniHcpModel model, Device device)
    {
        var scores = ReIdEvaluator.Evaluate(model, Task, _validation, _splitFrame, device);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [$"{_dataset}.reid_map"] = scores.MeanAveragePrecision,
            [$"{_dataset}.reid_rank1"] = scores.Rank1,
        };
    }
}
