using System.Globalization;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Detection;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>A run stopped and resumed from its checkpoint follows the uninterrupted run's loss curve step for step.</summary>
public sealed class ResumeTests : IDisposable
{
    private const int Steps = 20;
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SharedDataTheory]
    [InlineData("adamw")]
    [InlineData("adafactor")]
    public void A_stopped_and_resumed_run_has_the_loss_curve_of_an_uninterrupted_one(string optimizer)
    {
        string whole = Path.Combine(_dir, "whole"), split = Path.Combine(_dir, "split");
        Train(whole, stopAfter: null, optimizer);

        var first = Train(split, stopAfter: 10, optimizer);
        var second = Train(split, stopAfter: null, optimizer);

        Assert.False(first.Finished);
        Assert.Equal(10, first.Steps);
        Assert.True(second.Finished);
        var expected = Losses(whole);
        var resumed = Losses(split);
        Assert.Equal(Enumerable.Range(1, Steps), expected.Keys);
        Assert.Equal(expected.Keys, resumed.Keys);
        foreach (var (step, loss) in expected)
            Assert.True(Math.Abs(loss - resumed[step]) <= 1e-4 * Math.Abs(loss), $"step {step}: {loss} uninterrupted, {resumed[step]} resumed");
    }

    private static TrainingSummary Train(string folder, int? stopAfter, string optimizer)
    {
        var samples = PennFudanReader.Read(SharedData.PennFudan).Take(3).ToList();
        var size = new DetectionResize(128, 192);
        var tasks = new TaskRegistry([TaskRegistry.Detection(contentQueries: 2, anchors: 10)]);
        // A fresh model each time, as a new process would build it: the checkpoint must bring back everything that matters.
        TorchSharp.torch.manual_seed(11);
        using var model = new UniHcpModel(ModelConfig.Tiny, tasks);
        var task = new DetectionTrainingTask("detection", [new DetectionDataset("three", samples, [], 1, size)], batchSize: 2,
            new DetectionAugment { ShortSides = [112, 128], MaxLongSide = 192 }, new DetectionLossWeights());
        var options = new TrainerOptions { OutputDirectory = folder, Steps = Steps, LearningRate = 1e-3, WarmupSteps = 5, CheckpointEvery = 7, Optimizer = optimizer };
        using var stop = new CancellationTokenSource();
        // The progress line of step N is written before step N + 1 begins: cancelling there stops exactly after N.
        var progress = new CallbackWriter(line =>
        {
            if (stopAfter is { } n && line.StartsWith($"step {n}/", StringComparison.Ordinal))
                stop.Cancel();
        });
        return new Trainer(model, WeightsMetadata.For("resume", ModelConfig.Tiny, tasks), [task], options, progress).Run(stop.Token);
    }

    private static SortedDictionary<int, double> Losses(string folder)
    {
        var lines = File.ReadAllLines(Path.Combine(folder, "train_log.csv"));
        int column = Array.IndexOf(lines[0].Split(','), "det.loss");
        return new SortedDictionary<int, double>(lines.Skip(1).Select(l => l.Split(','))
            .ToDictionary(c => int.Parse(c[0], CultureInfo.InvariantCulture), c => double.Parse(c[column], CultureInfo.InvariantCulture)));
    }

    private sealed class CallbackWriter(Action<string> onLine) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            onLine(value ?? "");
        }
    }
}
