using UniHCP.Pipeline.Inference.Stage;

namespace UniHCP.Pipeline.Inference.Tests;

public sealed class PersonSizesTests
{
    [Fact]
    public void The_median_is_taken_at_the_detector_s_input_per_camera_to_the_bin()
    {
        var sizes = new PersonSizes();
        // 1080p frame read at 540: heights halve. 101 people of 20-220 px -> 10-110 px at the input, median 60.
        sizes.Add("street", Enumerable.Range(0, 101).Select(i => 20f + (2 * i)), scale: 0.5, tiles: 1);
        sizes.Add("hall", [30f, 30f, 2000f], scale: 1, tiles: 3);
        sizes.Add("empty", [], scale: 1, tiles: 1);

        var snapshot = sizes.Snapshot();

        Assert.Equal(["hall", "street"], snapshot.Keys);
        Assert.Equal(101, snapshot["street"].Persons);
        Assert.InRange(snapshot["street"].MedianHeight, 58, 62);
        Assert.Equal(1, snapshot["street"].Tiles);
        Assert.Equal(new CameraPersonSize(3, 30, 3), snapshot["hall"]); // 30 px falls in the 28-32 px bin; 2,000 px in the last
    }
}
