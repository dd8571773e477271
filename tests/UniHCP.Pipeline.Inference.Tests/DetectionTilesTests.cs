using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Tiled detection: the tiles cover the frame with overlap, people cut by a shared tile edge or tall for a tile
/// are left to the neighbour or the whole frame, one person found twice is kept once, and on the sample the tiles only add people.</summary>
public sealed class DetectionTilesTests
{
    [Fact]
    public void Tiles_cover_the_frame_overlapping_by_a_quarter_and_a_grid_of_one_has_none()
    {
        Assert.Empty(DetectionTiles.Layout(1280, 720, 1));
        var tiles = DetectionTiles.Layout(1280, 720, 2);

        Assert.Equal(4, tiles.Count);
        Assert.All(tiles, t => Assert.Equal((732, 412), (t.Width, t.Height))); // 1280 / 1.75, 720 / 1.75, rounded up
        Assert.Equal([0, 548], tiles.Select(t => t.X).Distinct().Order());
        Assert.Equal([0, 308], tiles.Select(t => t.Y).Distinct().Order());
        Assert.All(tiles, t => Assert.True(t.X + t.Width <= 1280 && t.Y + t.Height <= 720));
        Assert.True(732 - 548 >= 0.25 * 732 && 412 - 308 >= 0.25 * 412, "neighbours share a quarter of a tile");
        var three = DetectionTiles.Layout(640, 360, 3);
        Assert.Equal(9, three.Count);
        Assert.Equal(640, three.Max(t => t.X + t.Width));
        Assert.Equal(360, three.Max(t => t.Y + t.Height));
    }

    [Fact]
    public void Merging_drops_people_cut_by_a_shared_edge_and_tall_ones_keeps_one_of_a_person_found_twice_and_adds_the_small_ones()
    {
        var tiles = DetectionTiles.Layout(1280, 720, 2);
        var topLeft = tiles.Single(t => t.X == 0 && t.Y == 0);
        var near = new Detection(new BoundingBox(600, 100, 800, 600), 0.9f);     // spans the tiles
        var crowdA = new Detection(new BoundingBox(100, 100, 140, 200), 0.8f);
        var crowdB = new Detection(new BoundingBox(110, 100, 150, 200), 0.6f);  // IoU 0.6 with A: the whole frame kept both
        var whole = new[] { near, crowdA, crowdB };
        var found = new[]
        {
            new Detection(new BoundingBox(600, 100, 732, 410), 0.95f),           // near, cut by the tile's right edge
            new Detection(new BoundingBox(102, 101, 141, 199), 0.85f),           // crowd A again, better scored
            new Detection(new BoundingBox(300, 300, 312, 330), 0.7f),            // a far person the whole frame missed
            new Detection(new BoundingBox(400, 20, 480, 300), 0.99f),            // tall for a tile (280 of 412 px): the whole frame's job
        };

        var merged = DetectionTiles.Merge(whole, [(topLeft, found)], 1280, 720, maxDetections: 100);

        Assert.Equal(4, merged.Count);
        Assert.DoesNotContain(merged, d => d.Score == 0.99f);
        Assert.Contains(near, merged);                                           // not replaced by its cut part
        Assert.Contains(merged, d => d.Score == 0.85f);                          // A once, the better of the two
        Assert.DoesNotContain(crowdA, merged);
        Assert.Contains(crowdB, merged);                                         // same pass as A: the decoder's rule stands
        Assert.Contains(new Detection(new BoundingBox(300, 300, 312, 330), 0.7f), merged);
        Assert.Equal(2, DetectionTiles.Merge(whole, [(topLeft, found)], 1280, 720, maxDetections: 2).Count);
        // Offsets: a tile's boxes come back in frame pixels.
        var bottomRight = tiles.Single(t => t.X > 0 && t.Y > 0);
        var moved = DetectionTiles.Merge([], [(bottomRight, [new Detection(new BoundingBox(300, 200, 320, 260), 0.7f)])], 1280, 720, 100);
        Assert.Equal(new BoundingBox(848, 508, 868, 568), Assert.Single(moved).Box);
    }

    [Fact]
    public async Task On_the_sample_a_tiled_camera_keeps_every_person_of_the_whole_frame_and_others_are_read_whole()
    {
        TorchRuntime.EnsureLoaded();
        var decoded = await VideoFrames.ReadAsync(SampleVideo.Locate(), i => i is 400 or 401);
        // The same frames as two cameras, one of them tiled (Inference:CameraDetectionTiles), in one call.
        var frames = new[] { "near", "far" }.SelectMany(camera => decoded.Select(f =>
            new VideoFrame(camera, f.Index, DateTimeOffset.UnixEpoch, TimeSpan.Zero, f.Width, f.Height, PixelFormat.Rgb24, f.Rgb))).ToList();
        using var engine = new PerceptionEngineBuilder().WithWeights(RepositoryModels.DefaultWeights).WithOptions(new PerceptionOptions
        {
            Tasks = [],
            Precision = Precision.Float32,
            CameraDetectionTiles = new Dictionary<string, int> { ["far"] = 2 },
        }).Build();

        var found = engine.Detect(frames);

        for (int f = 0; f < decoded.Count; f++)
        {
            var (whole, tiled) = (found[f], found[decoded.Count + f]);
            Assert.NotEmpty(whole);
            Assert.All(whole, d => Assert.Contains(tiled, t => t.Box.IoU(d.Box) >= 0.5));
            Assert.True(tiled.Count > whole.Count, $"frame {f}: {tiled.Count} tiled against {whole.Count}: the sample's far people");
            Assert.All(tiled, t => Assert.True(t.Box.X1 >= 0 && t.Box.Y1 >= 0 && t.Box.X2 <= 768 && t.Box.Y2 <= 576));
        }
        Assert.Throws<ArgumentException>(() => new PerceptionOptions { DetectionTiles = 5 }.Validate());
        Assert.Throws<ArgumentException>(() => new PerceptionOptions { CameraDetectionTiles = new Dictionary<string, int> { ["far"] = -1 } }.Validate());
    }

    [Fact]
    public void Auto_tiles_frames_the_input_shrinks_to_six_tenths_or_less_and_a_camera_s_own_setting_wins()
    {
        var resize = new DetectionResize(512, 768); // the default model's input
        Assert.Equal(2, PerceptionOptions.AutoTilesFor(resize, 1920, 1080)); // read at 768x432: 0.4
        Assert.Equal(2, PerceptionOptions.AutoTilesFor(resize, 1280, 720)); // 0.6
        Assert.Equal(2, PerceptionOptions.AutoTilesFor(resize, 960, 1088)); // portrait, 0.53
        Assert.Equal(1, PerceptionOptions.AutoTilesFor(resize, 768, 576)); // the sample: 0.89
        Assert.Equal(1, PerceptionOptions.AutoTilesFor(resize, 640, 360)); // enlarged
        Assert.Equal(1, PerceptionOptions.AutoTilesFor(new DetectionResize(800, 1333), 1280, 720)); // a larger input reads 720p whole

        var options = new PerceptionOptions { DetectionResize = resize, CameraDetectionTiles = new Dictionary<string, int> { ["lobby"] = 1, ["yard"] = 3 } };
        Assert.Equal(PerceptionOptions.AutoTiles, options.DetectionTiles);
        Assert.Equal((2, 1, 3), (options.TilesFor("street", 1920, 1080), options.TilesFor("lobby", 1920, 1080), options.TilesFor("yard", 640, 360)));
        Assert.Equal(1, (options with { DetectionTiles = 1 }).TilesFor("street", 1920, 1080));
    }
}
