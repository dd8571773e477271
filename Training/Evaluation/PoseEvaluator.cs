using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Training.Evaluation;

/// <summary>Keypoint AP of an engine's pose task on labelled images.</summary>
public sealed record PoseEvaluation(int Images, int Persons, double Ap, double Ap50);

/// <summary>
/// Top-down pose with the labelled boxes (COCO's ground-truth-box protocol): every labelled person's box goes through
/// the engine's pose task (crop, flip test, decoding as in a run), and the predicted joints are scored with COCO
/// keypoint AP. A prediction's score is the mean of its joint scores (heatmap maxima), as top-down evaluations rank them.
/// </summary>
public static class PoseEvaluator
{
    public static PoseEvaluation Evaluate(PerceptionEngine engine, IReadOnlyList<PoseSample> samples, int batchImages = 4)
    {
        var (ap, ap50) = PoseAveragePrecision.Evaluate(Predict(engine, samples, batchImages));
        return new PoseEvaluation(samples.Count, samples.Sum(s => s.Persons.Count), ap, ap50);
    }

    /// <summary>Each sample's truths with the engine's predictions, in the samples' order (to score parts of a set
    /// apart and together from one pass).</summary>
    public static List<PoseResult> Predict(PerceptionEngine engine, IReadOnlyList<PoseSample> samples, int batchImages = 4)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(samples);
        if (!engine.CropTasks.Any(t => t.Type == Inference.Model.TaskType.Pose))
            throw new ArgumentException("The engine runs no pose task; build it with the pose task selected.");
        var results = new List<PoseResult>();
        foreach (var chunk in samples.Chunk(batchImages))
        {
            var frames = chunk.Select((s, i) => new VideoFrame("eval", i, DateTimeOffset.UnixEpoch, TimeSpan.Zero, s.Image.Width, s.Image.Height, PixelFormat.Rgb24, s.Image.Pixels)).ToList();
            var persons = chunk.Select(s => (IReadOnlyList<Inference.Engine.Detection>)s.Persons.Select(p => new Inference.Engine.Detection(p.Box, 1f)).ToList()).ToList();
            var observed = engine.Describe(frames, persons);
            for (int i = 0; i < chunk.Length; i++)
            {
                var predictions = observed[i].Persons.Select(p =>
                {
                    var joints = p.Keypoints ?? throw new InvalidOperationException("The engine returned a person without keypoints.");
                    return new PosePrediction([.. joints.Select(k => (k.X, k.Y))], joints.Count == 0 ? 0 : joints.Average(k => k.Score));
                }).ToList();
                results.Add(new PoseResult([.. chunk[i].Persons.Select(p => p.Truth)], predictions));
            }
        }
        return results;
    }
}
