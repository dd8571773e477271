using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Ignore areas: a detection standing in one is dropped, one that only overlaps it is kept, and bad areas are
/// refused with the camera, the area and the fault named.</summary>
public sealed class IgnoreAreaTests
{
    private static readonly IgnoreArea Sign = Square("sign", 28, 130, 16);

    [Fact]
    public void A_detection_whose_foot_point_is_inside_is_dropped_and_counted_and_other_cameras_are_untouched()
    {
        var filter = new IgnoreAreaFilter(new Dictionary<string, IReadOnlyList<IgnoreArea>> { ["sample"] = [Sign] });
        var onSign = new Detection(new BoundingBox(29, 104, 43, 138), 0.95f);           // foot (36, 138): inside
        var passerBy = new Detection(new BoundingBox(20, 60, 50, 170), 0.9f);            // covers the sign, stands below it
        var elsewhere = new Detection(new BoundingBox(300, 200, 330, 280), 0.8f);
        var onEdge = new Detection(new BoundingBox(40, 100, 48, 146), 0.7f);             // foot (44, 146): the corner counts as inside

        var kept = filter.Keep("sample", [onSign, passerBy, elsewhere, onEdge]);

        Assert.Equal([passerBy, elsewhere], kept);
        Assert.Equal(2, filter.Dropped);
        Assert.Equal([onSign], filter.Keep("lobby", [onSign]));
        Assert.Equal(2, filter.Dropped);
    }

    [Fact]
    public void Bad_areas_are_refused_naming_the_camera_the_area_and_the_fault()
    {
        var bowTie = new IgnoreArea { Name = "bow tie", Points = [new(0, 0), new(10, 10), new(10, 0), new(0, 10)] };
        var line = new IgnoreArea { Name = "flat", Points = [new(0, 0), new(5, 5), new(10, 10)] };
        var two = new IgnoreArea { Name = "two", Points = [new(0, 0), new(5, 5)] };
        var negative = new IgnoreArea { Name = "negative", Points = [new(-1, 0), new(5, 0), new(5, 5)] };
        var options = new PerceptionOptions
        {
            IgnoreAreas = new Dictionary<string, IReadOnlyList<IgnoreArea>>
            {
                ["sample"] = [Sign, Square("sign", 100, 100, 10), bowTie, line, two, negative],
                ["bad camera!"] = [Sign],
                ["empty"] = [],
                ["none"] = null!,
            },
        };

        var error = Assert.Throws<ArgumentException>(options.Validate).Message;

        Assert.Contains("camera 'sample', ignore area 'sign': the name is used twice", error, StringComparison.Ordinal);
        Assert.Contains("camera 'sample', ignore area 'bow tie': the outline crosses itself", error, StringComparison.Ordinal);
        Assert.Contains("camera 'sample', ignore area 'flat': the polygon has no area", error, StringComparison.Ordinal);
        Assert.Contains("camera 'sample', ignore area 'two': an area needs at least 3 points; it has 2", error, StringComparison.Ordinal);
        Assert.Contains("camera 'sample', ignore area 'negative': point 1 (-1, 0) must be finite and not negative", error, StringComparison.Ordinal);
        Assert.Contains("camera 'bad camera!': not a camera id", error, StringComparison.Ordinal);
        Assert.Contains("camera 'none': give a list of areas ([] for none)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("'empty'", error, StringComparison.Ordinal); // no areas: legal, it removes stored ones
        new PerceptionOptions { IgnoreAreas = new Dictionary<string, IReadOnlyList<IgnoreArea>> { ["sample"] = [Sign] } }.Validate();
    }

    private static IgnoreArea Square(string name, double x, double y, double side) =>
        new() { Name = name, Points = [new(x, y), new(x + side, y), new(x + side, y + side), new(x, y + side)] };
}
