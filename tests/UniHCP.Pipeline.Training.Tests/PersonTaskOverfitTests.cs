using System.Globalization;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Attributes;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Parsing;
using UniHCP.Pipeline.Training.Pose;
using UniHCP.Pipeline.Training.ReId;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>
/// Each person task's loop can learn: a tiny random model trained on one small real batch (augmentation off) drives
/// the task's loss near zero and then scores near-perfectly on that batch with the task's own metric. A bug between
/// the targets, the loss, the optimiser and the decoding shows up as a loss that stalls or a metric far from 1.
/// </summary>
public sealed class PersonTaskOverfitTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static string Teacher => Path.Combine(SharedData.Root, "vtest-teacher", "vtest_teacher_0-599.json");

    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-overfit-person-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SharedDataFact]
    public async Task Pose_fits_two_real_persons()
    {
        var frame = (await VideoTeacherReader.ReadPoseAsync(Teacher, SampleVideo.Locate(), f => f < 1)).Single();
        List<PoseSample> batch = [frame with { Persons = [.. frame.Persons.Take(2)] }];
        var task = new PoseTrainingTask("pose", "two", batch, batch, batchSize: 2, new CropSize(96, 128)) { Augment = false };

        var (first, last, metrics) = Train(TaskRegistry.Standard["pose"], task, steps: 400);

        Assert.True(last["two.pose_heatmap"] < 0.02 * first["two.pose_heatmap"], $"heatmap loss {first["two.pose_heatmap"]:0.0000} -> {last["two.pose_heatmap"]:0.0000}");
        Assert.True(last["two.pose_visibility"] < 0.05 * first["two.pose_visibility"], $"visibility loss {first["two.pose_visibility"]:0.000} -> {last["two.pose_visibility"]:0.000}");
        Assert.True(metrics["two.pose_ap"] >= 0.9, $"OKS AP on the batch: {metrics["two.pose_ap"]:0.000}");
    }

    [SharedDataFact]
    public async Task Attributes_fit_eight_real_crops_with_arbitrary_labels()
    {
        var frames = await VideoTeacherReader.ReadDetectionAsync(Teacher, SampleVideo.Locate(), f => f < 4);
        // Labels no crop shows (bits of its index): only memorising each crop fits them, which is what an overfit proves.
        var crops = frames.SelectMany(f => f.Boxes.Select(b => f.Image.Cut(b))).Take(8).ToList();
        Assert.Equal(8, crops.Count);
        var batch = crops.Select((c, i) => new AttributeSample(c, [i & 1, (i >> 1) & 1, (i >> 2) & 1])).ToList();
        var spec = TaskRegistry.Standard["attributes"] with { Name = "bits", Labels = ["bit0", "bit1", "bit2"], ContentQueries = 3, PositionQueries = 3 };
        var task = new AttributeTrainingTask("bits", "eight", batch, batch, batchSize: 8, new CropSize(96, 128)) { Augment = false };

        var (first, last, metrics) = Train(spec, task, steps: 300);

        Assert.True(last["eight.attributes"] < 0.05 * first["eight.attributes"], $"attribute loss {first["eight.attributes"]:0.000} -> {last["eight.attributes"]:0.000}");
        Assert.Equal(1.0, metrics["eight.ma"], 3);
    }

    [SharedDataFact]
    public async Task ReId_fits_four_real_tracklets()
    {
        var crops = await TrackletIdentities.ReadAsync(Teacher, SampleVideo.Locate(), f => f < 60, minLength: 8);
        var identities = crops.GroupBy(c => c.Identity).Where(g => g.Count() >= 8).Take(4).ToList();
        Assert.Equal(4, identities.Count);
        // Four views each, numbered 0..3; the evaluation splits each tracklet in time (queries before, gallery after).
        var batch = identities.SelectMany((g, id) => g.OrderBy(c => c.Frame).Where((_, k) => k % 2 == 0).Take(4).Select(c => c with { Identity = id })).ToList();
        // Evaluated on the same crops: each identity's first view is its query (frame 0), the other three the gallery.
        var validation = batch.Select((c, k) => c with { Frame = k % 4 == 0 ? 0 : 1 }).ToList();
        int featureWidth = TaskRegistry.Standard["reid"].Queries * ModelConfig.Tiny.Decoder.Hidden;
        var task = new ReIdTrainingTask("reid", "four", batch, validation, featureWidth, identities: 4, views: 4, splitFrame: 1) { Augment = false };

        var (first, last, metrics) = Train(TaskRegistry.Standard["reid"], task, steps: 300);

        Assert.True(last["four.reid_identity"] < 0.05 * first["four.reid_identity"], $"identity loss {first["four.reid_identity"]:0.000} -> {last["four.reid_identity"]:0.000}");
        Assert.True(last["four.reid_triplet"] < 0.1, $"triplet loss {first["four.reid_triplet"]:0.000} -> {last["four.reid_triplet"]:0.000}");
        Assert.Equal(1.0, metrics["four.reid_map"], 3);
    }

    [SharedDataFact]
    public void Parsing_fits_two_real_images()
    {
        var batch = ParsingListReader.Read(Path.Combine(SharedData.Root, "parsing-cihp"), Path.Combine(SharedData.Root, "parsing-cihp", "list", "train.txt")).Take(2).ToList();
        var task = new ParsingTrainingTask("parsing", "two", batch, batch, batchSize: 2, new CropSize(128, 128), points: 1024) { Augment = false };

        var (first, last, metrics) = Train(TaskRegistry.Standard["parsing"], task, steps: 600);

        Assert.True(last["two.parsing_presence"] < 0.01 * first["two.parsing_presence"], $"presence loss {first["two.parsing_presence"]:0.000} -> {last["two.parsing_presence"]:0.000}");
        Assert.True(last["two.parsing_mask"] < 0.25 * first["two.parsing_mask"], $"mask loss {first["two.parsing_mask"]:0.000} -> {last["two.parsing_mask"]:0.000}");
        // The labels are at the images' full resolution and the tiny model predicts on a 128-pixel square, so thin
        // parts (hands, sunglasses) cannot fit exactly: pixel accuracy is the measure here, mIoU only has to rise.
        Assert.True(metrics["two.parsing_pixel_accuracy"] >= 0.9, $"pixel accuracy on the batch: {metrics["two.parsing_pixel_accuracy"]:0.000}, mIoU {metrics["two.parsing_miou"]:0.000}");
    }

    /// <summary>Trains a tiny model with only <paramref name="spec"/>'s task; returns the first and last logged losses and the final metrics.</summary>
    private (Dictionary<string, double> First, Dictionary<string, double> Last, IReadOnlyDictionary<string, double> Metrics) Train(TaskSpec spec, ITrainingTask task, int steps)
    {
        var tasks = new TaskRegistry([spec]);
        TorchSharp.torch.manual_seed(3);
        using var model = new UniHcpModel(ModelConfig.Tiny, tasks);
        var options = new TrainerOptions { OutputDirectory = _dir, Steps = steps, LearningRate = 1e-3, WarmupSteps = 20, EvaluateEvery = steps, CheckpointEvery = steps, EncoderLearningRateFactor = 1, GradientClip = 1 };
        var log = new StringWriter();
        var summary = new Trainer(model, WeightsMetadata.For("overfit", ModelConfig.Tiny, tasks, new Dictionary<string, string>()), [task], options, log).Run();
        Assert.True(summary.Finished, log.ToString());
        var rows = File.ReadAllLines(Path.Combine(_dir, "train_log.csv"));
        var header = rows[0].Split(',');
        Dictionary<string, double> Row(string line) =>
            header.Zip(line.Split(',')).ToDictionary(p => p.First, p => double.Parse(p.Second, CultureInfo.InvariantCulture));
        // The mean of the last ten steps: one step's sampled points or batch can be unlucky.
        var lastRows = rows[^10..].Select(Row).ToList();
        var first = Row(rows[1]);
        var last = header.ToDictionary(h => h, h => lastRows.Average(r => r[h]));
        foreach (string part in header.Where(h => h.Contains('.', StringComparison.Ordinal)))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{part}: {first[part]:0.0000} -> {last[part]:0.0000}"));
        foreach (var (name, value) in summary.Metrics)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {value:0.000}"));
        return (first, last, summary.Metrics);
    }
}
