namespace UniHCP.Pipeline.Training.Tests;

public sealed class ProvenanceHistoryTests
{
    [Fact]
    public void The_source_training_record_moves_under_its_version_and_a_repeated_version_gets_a_number()
    {
        var first = new Dictionary<string, string>
        {
            ["training.steps"] = "800",
            ["training.metrics"] = "{}",
            ["data"] = "scenes",
        };

        var once = ProvenanceHistory.Archive(first, "v3");
        once["training.steps"] = "300"; // the next run of the same version
        var twice = ProvenanceHistory.Archive(once, "v3");
        twice["training.steps"] = "600";
        var thrice = ProvenanceHistory.Archive(twice, "v3");

        Assert.Equal("800", thrice["earlier.v3.training.steps"]);
        Assert.Equal("300", thrice["earlier.v3.2.training.steps"]);
        Assert.Equal("600", thrice["earlier.v3.3.training.steps"]);
        Assert.Equal("{}", thrice["training.metrics"]);
        Assert.Equal("scenes", thrice["data"]);
        Assert.False(thrice.ContainsKey("training.steps"));
    }
}
