using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Tests;

public sealed class DecodingTests
{
    [Theory]
    [InlineData(768, 576, 1066, 800)]   // the sample video: short side to 800
    [InlineData(1920, 1080, 1333, 750)] // long side capped at 1333
    [InlineData(576, 768, 800, 1066)]
    [InlineData(800, 600, 1066, 800)]
    [InlineData(1066, 800, 1066, 800)]  // already there
    public void The_detection_input_size_follows_the_release_rule(int width, int height, int expectedWidth, int expectedHeight)
    {
        Assert.Equal((expectedWidth, expectedHeight), new DetectionResize().SizeFor(width, height));
    }

    [Fact]
    public void Detection_boxes_map_to_source_pixels_ranked_and_thresholded()
    {
        // Three queries: (cx, cy, w, h) normalised by the source image.
        float[] logits = [0f, 3f, -5f];
        float[] boxes = [0.5f, 0.5f, 0.2f, 0.4f, 0.25f, 0.75f, 0.1f, 0.2f, 0.9f, 0.9f, 0.1f, 0.1f];

        var detections = TaskDecoders.Detections(logits, boxes, 800, 600, threshold: 0.4f, maxDetections: 10);

        Assert.Equal(2, detections.Count);
        Assert.Equal(new BoundingBox(160, 390, 240, 510), detections[0].Box); // the higher score first
        Assert.Equal(TaskDecoders.Sigmoid(3f), detections[0].Score);
        Assert.Equal(new BoundingBox(320, 180, 480, 420), detections[1].Box);
        Assert.Single(TaskDecoders.Detections(logits, boxes, 800, 600, threshold: 0.4f, maxDetections: 1));
    }

    [Theory]
    [InlineData(20.3, 31.7)]
    [InlineData(7.6, 55.2)]
    [InlineData(40.25, 8.8)]
    public void A_gaussian_heatmap_decodes_to_its_centre_with_sub_pixel_accuracy(double x, double y)
    {
        const int height = 64, width = 48;
        var map = new float[height * width];
        for (int row = 0; row < height; row++)
        {
            for (int col = 0; col < width; col++)
                map[(row * width) + col] = (float)Math.Exp(-(((col - x) * (col - x)) + ((row - y) * (row - y))) / (2 * 2.0 * 2.0));
        }

        var plain = HeatmapDecoder.Decode(map, 1, height, width, dark: false)[0];
        var refined = HeatmapDecoder.Decode(map, 1, height, width, dark: true)[0];

        Assert.Equal((Math.Round(x), Math.Round(y)), (plain.X, plain.Y));
        Assert.True(Math.Abs(refined.X - x) < 0.05 && Math.Abs(refined.Y - y) < 0.05, $"DARK gave ({refined.X:0.000}, {refined.Y:0.000}) for ({x}, {y})");
        Assert.InRange(refined.Score, 0.9f, 1f);
    }

    [Fact]
    public void Heatmap_coordinates_map_back_to_the_frame_through_the_crop()
    {
        var box = new BoundingBox(100, 50, 160, 230); // 60 x 180 person
        var crop = CropBox.Around(box, 192, 256);

        // Aspect 3:4 around the centre, then 1.25x: 180 tall -> 135 wide, then 168.75 x 225.
        Assert.Equal(new CropBox(130, 140, 168.75, 225), crop);
        // Heatmap 48x64 (stride 4): the centre of the map is the centre of the box; corners are the crop's corners.
        Assert.Equal(130, crop.SourceX(23.5, 48), 6);
        Assert.Equal(140, crop.SourceY(31.5, 64), 6);
        Assert.Equal(130 - 84.375, crop.SourceX(0, 48), 6);
        Assert.Equal(140 + 112.5, crop.SourceY(63, 64), 6);

        var keypoints = TaskDecoders.Keypoints(Peak(48, 64, 23.5, 31.5), [5f], 1, 64, 48, crop, 0.5f);
        Assert.Equal(130, keypoints[0].X, 1);
        Assert.Equal(140, keypoints[0].Y, 1);
        Assert.True(keypoints[0].Visible);
    }

    [Fact]
    public void Flipping_back_mirrors_the_maps_and_swaps_left_and_right()
    {
        // Three joints of 1x4 maps: 0 has no partner, 1 and 2 are a left/right pair.
        float[] maps = [1, 2, 3, 4, 10, 20, 30, 40, 100, 200, 300, 400];

        var back = HeatmapDecoder.FlipBack(maps, 3, 1, 4, [(1, 2)]);

        Assert.Equal(new float[] { 4, 3, 2, 1, 400, 300, 200, 100, 40, 30, 20, 10 }, back);
    }

    [Fact]
    public void Clothing_colours_and_part_shares_come_from_the_label_map()
    {
        var labels = Model.LabelSets.LipParts;
        int upper = labels.ToList().IndexOf("upper_clothes"), pants = labels.ToList().IndexOf("pants"), face = labels.ToList().IndexOf("face");
        // 100 pixels: 20 background, 40 red upper clothes, 30 blue pants, 10 face.
        var map = new byte[100];
        var rgb = new byte[300];
        for (int i = 0; i < 100; i++)
        {
            (map[i], byte r, byte g, byte b) = i switch
            {
                < 20 => ((byte)0, (byte)0, (byte)0, (byte)0),
                < 60 => ((byte)upper, (byte)200, (byte)20, (byte)30),
                < 90 => ((byte)pants, (byte)20, (byte)40, (byte)160),
                _ => ((byte)face, (byte)220, (byte)180, (byte)150),
            };
            (rgb[3 * i], rgb[(3 * i) + 1], rgb[(3 * i) + 2]) = (r, g, b);
        }

        var summary = TaskDecoders.Parsing(map, rgb, labels);

        Assert.Equal("red", summary.UpperColor);
        Assert.Equal("blue", summary.LowerColor);
        Assert.Equal(0.5f, summary.PartShares["upper_clothes"], 3);
        Assert.Equal(0.375f, summary.PartShares["pants"], 3);
        Assert.False(summary.PartShares.ContainsKey("hat"));
    }

    [Theory]
    [InlineData(10, 10, 10, "black")]
    [InlineData(240, 240, 235, "white")]
    [InlineData(128, 128, 128, "gray")]
    [InlineData(200, 30, 30, "red")]
    [InlineData(240, 140, 20, "orange")]
    [InlineData(230, 220, 40, "yellow")]
    [InlineData(30, 150, 60, "green")]
    [InlineData(30, 60, 180, "blue")]
    [InlineData(120, 40, 170, "purple")]
    [InlineData(240, 100, 180, "pink")]
    [InlineData(110, 70, 30, "brown")]
    public void Colour_names_are_what_operators_search_for(byte r, byte g, byte b, string expected)
    {
        Assert.Equal(expected, ColourNames.Name(r, g, b));
    }

    [Fact]
    public void Embeddings_are_l2_normalised()
    {
        var embedding = TaskDecoders.Embedding([3f, 4f]);
        Assert.Equal(new[] { 0.6f, 0.8f }, embedding);
    }

    private static float[] Peak(int width, int height, double x, double y)
    {
        var map = new float[width * height];
        for (int row = 0; row < height; row++)
        {
            for (int col = 0; col < width; col++)
                map[(row * width) + col] = (float)Math.Exp(-(((col - x) * (col - x)) + ((row - y) * (row - y))) / 8.0);
        }
        return map;
    }
}
