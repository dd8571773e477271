using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Clothing colours without parsing: from body regions found by the keypoints, else from parts of the box.</summary>
public sealed class ClothingColoursTests
{
    private static readonly byte[] Gray = [128, 128, 128], Red = [200, 20, 20], Blue = [20, 40, 200], Green = [0, 160, 0];

    [Fact]
    public void A_standing_person_without_keypoints_is_read_from_the_boxs_upper_and_lower_parts()
    {
        var frame = Paint(200, 300, (50, 20, 150, 150, Red), (50, 150, 150, 280, Blue));

        Assert.Equal(("red", "blue"), ClothingColours.Of(frame, new BoundingBox(50, 20, 150, 280), keypoints: null));
    }

    [Fact]
    public void With_keypoints_the_torso_and_legs_are_read_where_the_body_is_not_where_the_box_says()
    {
        // A person on the right half of a box made wide by the green suitcase they carry on the left.
        var frame = Paint(200, 300, (120, 60, 180, 150, Red), (125, 150, 175, 290, Blue), (10, 100, 110, 290, Green));
        var box = new BoundingBox(0, 0, 200, 300);
        var joints = new Keypoint[17];
        for (int j = 0; j < 17; j++)
            joints[j] = new Keypoint(150, 30, 0.9f, true);
        joints[5] = new Keypoint(125, 60, 0.9f, true);   // shoulders
        joints[6] = new Keypoint(175, 60, 0.9f, true);
        joints[11] = new Keypoint(130, 150, 0.9f, true); // hips
        joints[12] = new Keypoint(170, 150, 0.9f, true);
        joints[13] = new Keypoint(135, 220, 0.9f, true); // knees
        joints[14] = new Keypoint(165, 220, 0.9f, true);
        joints[15] = new Keypoint(135, 285, 0.9f, true); // ankles
        joints[16] = new Keypoint(165, 285, 0.9f, true);

        Assert.Equal(("red", "blue"), ClothingColours.Of(frame, box, joints));
        // The box's fixed parts read the suitcase and the background instead: why the keypoints are used when present.
        var (upper, lower) = ClothingColours.Of(frame, box, keypoints: null);
        Assert.NotEqual("red", upper);
        Assert.NotEqual("blue", lower);
        // Joints too unsure to trust fall back to the box.
        var unsure = joints.Select(k => k with { Score = 0.1f }).ToArray();
        Assert.Equal((upper, lower), ClothingColours.Of(frame, box, unsure));
    }

    [Fact]
    public void A_region_too_small_or_outside_the_frame_names_no_colour()
    {
        var frame = Paint(64, 64);

        Assert.Equal((null, null), ClothingColours.Of(frame, new BoundingBox(10, 10, 13, 14), keypoints: null));
        Assert.Null(ClothingColours.Dominant(frame, new ClothingColours.Region(70, 70, 90, 90)));
        Assert.Equal("gray", ClothingColours.Dominant(frame, new ClothingColours.Region(-10, -10, 30, 30)));
    }

    [Fact]
    public void The_engine_gives_every_person_colours_without_parsing_and_can_be_told_not_to()
    {
        var frame = Paint(100, 70, (0, 0, 100, 70, Red));
        var options = new PerceptionOptions { DetectionResize = new DetectionResize(64, 128), MaxDetections = 1, Tasks = [] };
        using (var engine = new PerceptionEngineBuilder().WithModel(EngineTests.CraftedDetector(), TestModels.Metadata(TestModels.Tiny())).WithOptions(options).Build())
        {
            var person = Assert.Single(Assert.Single(engine.Process([frame])).Persons);
            Assert.NotNull(person.Parsing);
            Assert.Equal(("red", "red"), (person.Parsing.UpperColor, person.Parsing.LowerColor));
            Assert.Empty(person.Parsing.PartShares); // not from parsing
        }
        using var off = new PerceptionEngineBuilder().WithModel(EngineTests.CraftedDetector(), TestModels.Metadata(TestModels.Tiny()))
            .WithOptions(options with { ClothingColours = false }).Build();
        Assert.Null(Assert.Single(Assert.Single(off.Process([frame])).Persons).Parsing);
    }

    private static VideoFrame Paint(int width, int height, params (int X1, int Y1, int X2, int Y2, byte[] Rgb)[] rectangles)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++)
            Gray.CopyTo(pixels, 3 * i);
        foreach (var (x1, y1, x2, y2, rgb) in rectangles)
        {
            for (int y = y1; y < y2; y++)
            {
                for (int x = x1; x < x2; x++)
                    rgb.CopyTo(pixels, 3 * ((y * width) + x));
            }
        }
        return new VideoFrame("cam", 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, width, height, PixelFormat.Rgb24, pixels);
    }
}
