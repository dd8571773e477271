using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Evaluation;

/// <summary>Runs a model's detection task over samples at a fixed input size and scores it (AP50, AP).</summary>
public static class DetectionEvaluator
{
    /// <summary>AP50, COCO AP, the best-F1 operating point (score threshold, precision, recall, F1 at IoU 0.5) and the
    /// log-average miss rate MR-2 at IoU 0.5.</summary>
    public sealed record Result(double Ap50, double Ap, int Images, int Truth, (float Threshold, double Precision, double Recall, double F1) BestF1, double MissRate);

    /// <param name="boxFrame">What the weights' box fractions are fractions of (<see cref="InferenceHints.BoxFrame"/>;
    /// models our trainer trains: the padded canvas).</param>
    /// <param name="duplicateIoU">Drop a detection overlapping a better one by at least this IoU, as runs do with the
    /// weights' <see cref="InferenceHints.DuplicateIoU"/>; null keeps all.</param>
    public static Result Evaluate(UniHcpModel model, string task, IReadOnlyList<DetectionSample> samples, DetectionResize resize, Device device, int maxDetections = 100,
        BoxFrame boxFrame = BoxFrame.PaddedCanvas, float? duplicateIoU = null, int tiles = 1)
    {
        var results = Predict(model, task, samples, resize, device, maxDetections, boxFrame, duplicateIoU, tiles);
        return new Result(DetectionAveragePrecision.At(results, 0.5), DetectionAveragePrecision.Coco(results), samples.Count, samples.Sum(s => s.Boxes.Count),
            DetectionAveragePrecision.BestF1(results), DetectionAveragePrecision.LogAverageMissRate(results));
    }

    public static List<DetectionResult> Predict(UniHcpModel model, string task, IReadOnlyList<DetectionSample> samples, DetectionResize resize, Device device, int maxDetections = 100,
        BoxFrame boxFrame = BoxFrame.PaddedCanvas, float? duplicateIoU = null, int tiles = 1)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            var results = new List<DetectionResult>();
            int queries = model.Tasks[task].Queries;
            foreach (var sample in samples)
            {
                using var scope = NewDisposeScope();
                using var inference = inference_mode();
                var frame = new VideoFrame("eval", 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, sample.Image.Width, sample.Image.Height, PixelFormat.Rgb24, sample.Image.Pixels);
                var source = ImageTensors.FromFrame(frame, device);
                List<Inference.Engine.Detection> Pass(Tensor image, int width, int height)
                {
                    var (w, h) = resize.SizeFor(width, height);
                    using var output = model.Run(task, model.Encode(ImageTensors.Resize(image, w, h)));
                    float[] logits = output.GlobalLogits!.to(ScalarType.Float32).cpu().data<float>().ToArray();
                    float[] boxes = output.Boxes!.to(ScalarType.Float32).cpu().data<float>().ToArray();
                    return TaskDecoders.Detections(logits.AsSpan(0, queries), boxes.AsSpan(0, queries * 4), width, height, threshold: 0.001f, maxDetections, duplicateIoU: duplicateIoU, canvas: boxFrame.ImageScale(model, w, h));
                }
                var detections = Pass(source, sample.Image.Width, sample.Image.Height);
                var layout = DetectionTiles.Layout(sample.Image.Width, sample.Image.Height,
                    tiles == PerceptionOptions.AutoTiles ? PerceptionOptions.AutoTilesFor(resize, sample.Image.Width, sample.Image.Height) : tiles);
                if (layout.Count > 0)
                {
                    detections = DetectionTiles.Merge(detections,
                        [.. layout.Select(t => (t, (IReadOnlyList<Inference.Engine.Detection>)Pass(source.narrow(2, t.Y, t.Height).narrow(3, t.X, t.Width), t.Width, t.Height)))],
                        sample.Image.Width, sample.Image.Height, maxDetections);
                }
                results.Add(new DetectionResult(sample.Boxes, sample.Ignore, detections.Select(d => new ScoredBox(d.Box, d.Score)).ToList()));
            }
            return results;
        }
        finally
        {
            if (wasTraining)
                model.train();
        }
    }
}
