using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Hosting;
using UniHCP.Pipeline.Inference.Checkpoints;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>What a run says of the held-out metrics its weights record.</summary>
public sealed class RecordedMetricsTests
{
    [Fact]
    public void Detection_metrics_come_with_the_size_the_trainer_scored_at()
    {
        var metadata = WeightsFile.ReadMetadata(DefaultWeights.Resolve(null)) with
        {
            Provenance = new Dictionary<string, string>
            {
                ["training.metrics"] = "{\"london_crossing_eyelevel.ap50\":0.416}",
                ["detection.training_sizes"] = "short sides 448,512, long side at most 854; held out scored at 512 (long side at most 854)",
            },
        };

        var lines = UntrainedTasks.RecordedMetrics(metadata).ToList();

        Assert.Equal(2, lines.Count);
        Assert.Equal("held-out metrics recorded in the weights: london_crossing_eyelevel.ap50 0.416", lines[0]);
        // A trainer that scored at 512 with the long side up to 854, while runs read 16:9 cameras at 768, must say so.
        Assert.Equal("  (detection held out scored at 512 (long side at most 854) by the trainer; `unihcp eval detection` scores as this run reads)", lines[1]);
    }

    [Fact]
    public void The_default_model_records_its_person_tasks_metrics_and_no_trainer_size_for_its_averaged_detector()
    {
        var metadata = WeightsFile.ReadMetadata(DefaultWeights.Resolve(null));

        var lines = UntrainedTasks.RecordedMetrics(metadata).ToList();

        // The default file is an average (`weights average`): its detector was never scored by one trainer.
        Assert.Single(lines);
        Assert.Matches(@"scenes\.reid_map 0\.\d+", lines[0]);
        Assert.DoesNotContain("london_crossing", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_without_recorded_metrics_say_nothing_and_a_malformed_record_is_not_an_error()
    {
        var metadata = WeightsFile.ReadMetadata(DefaultWeights.Resolve(null));

        Assert.Empty(UntrainedTasks.RecordedMetrics(metadata with { Provenance = new Dictionary<string, string>() }));
        Assert.Empty(UntrainedTasks.RecordedMetrics(metadata with { Provenance = new Dictionary<string, string> { ["training.metrics"] = "{not json" } }));
    }
}
