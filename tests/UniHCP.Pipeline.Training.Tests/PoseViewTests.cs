using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Evaluation;
using UniHCP.Pipeline.Training.Pose;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>Pose training views: turned and half-body crops, and the joints' places in them.</summary>
public sealed class PoseViewTests
{
    private static readonly CropSize s_input = new(48, 64);

    [Fact]
    public void An_unturned_view_samples_the_engines_crop_points()
    {
        // Ramps: channel 0 holds each pixel's x, channel 1 its y, so a sampled value is the source point read.
        using var xs = arange(120, ScalarType.Float32).expand(90, 120);
        using var ys = arange(90, ScalarType.Float32).unsqueeze(1).expand(90, 120);
        using var image = stack([xs, ys, zeros(90, 120)]).unsqueeze(0);
        var crop = CropBox.Around(new BoundingBox(30, 10, 70, 80), s_input.Width, s_input.Height);

        using var view = new PoseView(crop, 0, false).Sample(image, s_input);

        var values = view.contiguous().data<float>().ToArray();
        int plane = s_input.Width * s_input.Height;
        foreach (var (u, v) in new[] { (0, 0), (10, 20), (47, 63), (24, 31) })
        {
            double x = crop.SourceX(u, s_input.Width), y = crop.SourceY(v, s_input.Height);
            if (x is < 0 or > 119 || y is < 0 or > 89)
                continue;
            Assert.Equal(x, values[(v * s_input.Width) + u], 1e-3);
            Assert.Equal(y, values[plane + (v * s_input.Width) + u], 1e-3);
        }
    }

    [Theory]
    [InlineData(30, false)]
    [InlineData(-45, true)]
    public void A_bright_point_shows_where_the_view_places_its_joint(double degrees, bool mirrored)
    {
        // A bright square on a black image: after the turn (and mirror) its centre must be where ToCropFrame says a
        // joint at that place goes, which is where the heatmap target is drawn.
        using var image = zeros(1, 3, 120, 160);
        (int x, int y) point = (72, 47);
        image[0, .., (point.y - 3)..(point.y + 4), (point.x - 3)..(point.x + 4)] = tensor(255f);
        var crop = CropBox.Around(new BoundingBox(50, 20, 100, 110), s_input.Width, s_input.Height);
        var view = new PoseView(crop, degrees * Math.PI / 180, mirrored);

        using var pixels = view.Sample(image, s_input);
        var brightness = pixels[0, 0].contiguous().data<float>().ToArray();
        double mass = brightness.Sum(b => (double)b);
        double u = brightness.Select((b, i) => b * (double)(i % s_input.Width)).Sum() / mass;
        double v = brightness.Select((b, i) => b * (double)(i / s_input.Width)).Sum() / mass;

        var (qx, qy) = view.ToCropFrame(point.x, point.y);
        double expectedU = (qx - (crop.CentreX - (crop.Width / 2))) * (s_input.Width - 1) / crop.Width;
        double expectedV = (qy - (crop.CentreY - (crop.Height / 2))) * (s_input.Height - 1) / crop.Height;
        if (mirrored)
            expectedU = s_input.Width - 1 - expectedU;
        Assert.True(mass > 0, "the square is inside the view");
        Assert.InRange(u, expectedU - 0.5, expectedU + 0.5);
        Assert.InRange(v, expectedV - 0.5, expectedV + 0.5);
    }

    [Fact]
    public void A_turned_target_decodes_to_the_joint_turned_back()
    {
        var crop = CropBox.Around(new BoundingBox(100, 50, 160, 210), 192, 256);
        var view = new PoseView(crop, 25 * Math.PI / 180, false);
        (float X, float Y) joint = (121.3f, 90.7f);

        var (maps, _) = PoseTargets.Build([view.ToCropFrame(joint.X, joint.Y)], [true], crop, 64, 48, mirrored: false, []);

        var decoded = HeatmapDecoder.Decode(maps, 1, 64, 48)[0];
        // Back from the crop frame to the source: turn the crop-frame point by +angle about the centre.
        double dx = crop.SourceX(decoded.X, 48) - crop.CentreX, dy = crop.SourceY(decoded.Y, 64) - crop.CentreY;
        double cos = Math.Cos(view.Radians), sin = Math.Sin(view.Radians);
        Assert.Equal(joint.X, crop.CentreX + (cos * dx) - (sin * dy), 0.2);
        Assert.Equal(joint.Y, crop.CentreY + (sin * dx) + (cos * dy), 0.2);
    }

    [Fact]
    public void Drawn_views_stay_within_their_turn_and_frame_half_bodies_around_that_half()
    {
        // A standing person: head at the top (joints 0-10 above y 100), legs below.
        var joints = Enumerable.Range(0, 17).Select(j => (X: 100f + (j % 3), Y: j <= 10 ? 20f + (7 * j) : 110f + (10 * (j - 11)))).ToList();
        var truth = new PoseTruth(joints, [.. Enumerable.Repeat(2, 17)], 5000);
        var box = new BoundingBox(80, 15, 125, 175);
        var random = new Random(3);
        var whole = CropBox.Around(box, s_input.Width, s_input.Height);

        var views = Enumerable.Range(0, 400).Select(_ => PoseView.Draw(box, truth, s_input, random, maxDegrees: 30, rotationProbability: 0.5, halfBody: 0.3)).ToList();

        Assert.All(views, v => Assert.InRange(Math.Abs(v.Radians), 0, (30 * Math.PI / 180) + 1e-9));
        Assert.InRange(views.Count(v => v.Radians == 0), 140, 260);   // about half turned
        Assert.InRange(views.Count(v => v.Mirrored), 140, 260);       // about half mirrored
        var halves = views.Where(v => v.Crop.Height < whole.Height * 0.75 * 0.9).ToList(); // smaller than any scaled whole crop
        Assert.InRange(halves.Count, 70, 180);
        Assert.Contains(halves, v => v.Crop.CentreY < 70);   // upper bodies
        Assert.Contains(halves, v => v.Crop.CentreY > 120);  // lower bodies
        var plain = PoseView.Draw(box, truth, s_input, new Random(3), maxDegrees: 0, rotationProbability: 0.5, halfBody: 0);
        Assert.Equal(0, plain.Radians);
        Assert.Equal(whole.CentreX, plain.Crop.CentreX, 1e-9);
    }
}
