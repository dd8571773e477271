using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Training.Labelling;
using ScoredBox = UniHCP.Pipeline.Inference.Engine.Detection;

namespace UniHCP.Pipeline.Training.Tests.Labelling;

/// <summary>The labeller's own geometry around the teachers: letterbox, CenterNet decode, tiles, the MoveNet mosaic.</summary>
public sealed class LabellingGeometryTests
{
    [Fact]
    public void The_letterbox_fits_the_long_side_centres_the_short_one_and_maps_back()
    {
        var fit = Letterbox.Fit(768, 576, 512);
        Assert.Equal((512, 384, 0, 64), (fit.ResizedWidth, fit.ResizedHeight, fit.PadX, fit.PadY));
        var (x, y) = fit.ToFrame(256, 64 + 192);
        Assert.Equal(384, x, 6);
        Assert.Equal(288, y, 6);

        var tall = Letterbox.Fit(480, 960, 512);
        Assert.Equal((256, 512, 128, 0), (tall.ResizedWidth, tall.ResizedHeight, tall.PadX, tall.PadY));
        Assert.Throws<ArgumentOutOfRangeException>(() => Letterbox.Fit(0, 10, 512));
    }

    [Fact]
    public void CenterNet_boxes_come_from_peaks_only_at_the_cell_position_times_the_stride()
    {
        const int Rows = 8, Columns = 10;
        var heatmap = new float[Rows * Columns];
        var distances = new float[Rows * Columns * 4];
        void Set(int x, int y, float score, float left, float top, float right, float bottom)
        {
            heatmap[(y * Columns) + x] = score;
            distances.AsSpan(((y * Columns) + x) * 4, 4).SetValues(left, top, right, bottom);
        }
        Set(2, 3, 0.9f, 4, 10, 6, 12);   // a peak
        Set(3, 3, 0.5f, 1, 1, 1, 1);     // its neighbour: not a peak
        Set(8, 6, 0.3f, 2, 2, 2, 2);     // a second, weaker peak
        Set(0, 0, 0.05f, 1, 1, 1, 1);    // a peak under the minimum score

        var found = CenterNetDecoder.Decode(heatmap, distances, Rows, Columns, stride: 4, minScore: 0.1f);

        Assert.Equal(2, found.Count);
        Assert.Equal(new ScoredBox(new BoundingBox(8 - 4, 12 - 10, 8 + 6, 12 + 12), 0.9f), found[0]);
        Assert.Equal(new ScoredBox(new BoundingBox(30, 22, 34, 26), 0.3f), found[1]);
        Assert.Throws<ArgumentException>(() => CenterNetDecoder.Decode(heatmap, distances.AsSpan(4), Rows, Columns, 4, 0.1f));
    }

    [Fact]
    public void A_single_pose_crop_is_the_box_and_its_margin_squared_and_its_joints_map_back_to_the_frame()
    {
        var crop = new SinglePoseCrop(Side: 256, Margin: 0.15f, MinPoseScore: 0.2f);
        var person = new BoundingBox(100, 50, 140, 150); // 40 x 100: the long side sets the square
        var region = crop.Region(person);
        Assert.Equal(new BoundingBox(55, 35, 185, 165), region);

        // Joint j at the crop's centre (0.5, 0.5) for every joint but the last, which sits at the first sampled pixel.
        var output = new float[2 * SinglePoseCrop.PersonValues];
        for (int j = 0; j < PoseMosaic.Joints; j++)
            output.AsSpan(3 * j, 3).SetValues(0.5f, 0.5f, 0.9f);
        output.AsSpan(3 * (PoseMosaic.Joints - 1), 3).SetValues(0.5f / 256, 0.5f / 256, 0.1f);
        // The second person: joints too faint to be a pose (mean score 0.1).
        for (int j = 0; j < PoseMosaic.Joints; j++)
            output.AsSpan(SinglePoseCrop.PersonValues + (3 * j), 3).SetValues(0.5f, 0.5f, 0.1f);

        var joints = crop.Decode(output, [person, new BoundingBox(0, 0, 10, 30)]);

        var first = Assert.IsAssignableFrom<IReadOnlyList<Keypoint>>(joints[0]);
        // The crop's centre is the region's centre (up to the half-pixel of crop-and-resize's corner sampling).
        Assert.Equal(120, first[0].X, 0);
        Assert.Equal(100, first[0].Y, 0);
        Assert.True(first[0].Visible);
        Assert.Equal(region.X1, first[^1].X, 3);
        Assert.Equal(region.Y1, first[^1].Y, 3);
        Assert.False(first[^1].Visible);
        Assert.Null(joints[1]);
        Assert.Throws<ArgumentException>(() => crop.Decode(output.AsSpan(3), [person, person]));
    }

    [Fact]
    public void Tiles_cover_the_frame_overlap_and_a_box_cut_by_an_inner_border_is_dropped()
    {
        var tiles = PretrainedTeachers.Tiles(1000, 600).ToList();
        Assert.Equal(4, tiles.Count);
        Assert.Equal(new BoundingBox(0, 0, 600, 360), tiles[0]);
        Assert.Equal(new BoundingBox(400, 240, 1000, 600), tiles[3]);

        // The top-left tile's right and bottom borders are inside the frame; its left and top are the frame's own.
        Assert.True(PretrainedTeachers.TouchesInnerBorder(new BoundingBox(550, 100, 599, 200), tiles[0], 1000, 600));
        Assert.True(PretrainedTeachers.TouchesInnerBorder(new BoundingBox(100, 300, 150, 359), tiles[0], 1000, 600));
        Assert.False(PretrainedTeachers.TouchesInnerBorder(new BoundingBox(0, 0, 50, 100), tiles[0], 1000, 600));
        Assert.False(PretrainedTeachers.TouchesInnerBorder(new BoundingBox(950, 500, 1000, 600), tiles[3], 1000, 600));
    }

    [Fact]
    public void Duplicates_give_way_to_the_higher_score()
    {
        var kept = PretrainedTeachers.Deduplicate(
        [
            new(new BoundingBox(0, 0, 10, 20), 0.4f),
            new(new BoundingBox(1, 0, 11, 20), 0.8f),
            new(new BoundingBox(30, 0, 40, 20), 0.2f),
        ], 0.5f);
        Assert.Equal([0.8f, 0.2f], kept.Select(k => k.Score));
    }

    [Fact]
    public void A_mosaic_region_keeps_the_cell_aspect_around_the_person_with_a_margin()
    {
        var mosaic = new PoseMosaic();
        var thin = mosaic.Region(new BoundingBox(100, 100, 120, 200));   // 20 x 100: widened to 1:2
        Assert.Equal(0.5f, thin.Width / thin.Height, 4);
        Assert.Equal(130, thin.Height, 3);
        Assert.Equal(110, (thin.X1 + thin.X2) / 2, 3);
        var wide = mosaic.Region(new BoundingBox(0, 0, 100, 100));       // 1:1: heightened to 1:2
        Assert.Equal(130, wide.Width, 3);
        Assert.Equal(260, wide.Height, 3);
    }

    [Fact]
    public void Mosaic_answers_go_back_to_their_cell_person_in_frame_pixels()
    {
        var mosaic = new PoseMosaic();
        var persons = new List<BoundingBox> { new(100, 100, 140, 200), new(300, 50, 380, 250) };
        var people = new float[6 * PoseMosaic.PersonValues];
        // MoveNet's person 0 answers the second cell (column 1, row 0) with joints along the person's vertical axis.
        var region = mosaic.Region(persons[1]);
        var joints = Enumerable.Range(0, 17).Select(j => (X: 340f, Y: 60f + (j * 10))).ToList();
        Encode(people.AsSpan(0, PoseMosaic.PersonValues), mosaic, region, column: 1, row: 0, joints, persons[1], score: 0.6f);
        // Person 1: a weak answer in cell 0, under the minimum person score.
        Encode(people.AsSpan(PoseMosaic.PersonValues, PoseMosaic.PersonValues), mosaic, mosaic.Region(persons[0]), 0, 0, joints, persons[0], score: 0.05f);

        var answers = mosaic.Assign(people, persons, minPersonScore: 0.1f);

        Assert.Null(answers[0]);
        Assert.NotNull(answers[1]);
        for (int j = 0; j < 17; j++)
        {
            Assert.Equal(joints[j].X, answers[1]![j].X, 2);
            Assert.Equal(joints[j].Y, answers[1]![j].Y, 2);
            Assert.True(answers[1]![j].Visible);
        }
    }

    /// <summary>Writes one MoveNet person (normalised to the whole mosaic) for frame joints and box seen through a cell.</summary>
    private static void Encode(Span<float> values, PoseMosaic mosaic, BoundingBox region, int column, int row, List<(float X, float Y)> joints, BoundingBox box, float score)
    {
        float U(float x) => (column + ((((x - region.X1) * (mosaic.CellWidth - 1) / region.Width) + 0.5f) / mosaic.CellWidth)) / mosaic.Columns;
        float V(float y) => (row + ((((y - region.Y1) * (mosaic.CellHeight - 1) / region.Height) + 0.5f) / mosaic.CellHeight)) / mosaic.Rows;
        for (int j = 0; j < 17; j++)
        {
            values[3 * j] = V(joints[j].Y);
            values[(3 * j) + 1] = U(joints[j].X);
            values[(3 * j) + 2] = 0.9f;
        }
        values[51] = V(box.Y1);
        values[52] = U(box.X1);
        values[53] = V(box.Y2);
        values[54] = U(box.X2);
        values[55] = score;
    }
}

internal static class SpanValues
{
    public static void SetValues(this Span<float> span, params float[] values) => values.CopyTo(span);
}
