using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.ReId;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>A Market-1501-layout folder (written here, in the benchmark's naming) read for training and for its protocol.</summary>
public sealed class Market1501CropsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-market-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Training_identities_are_renumbered_and_each_crop_is_the_engines_crop_of_its_box()
    {
        Write("bounding_box_train", "0007_c1s1_000151_01", "0007_c2s1_000301_01", "0002_c1s1_000101_01", "0002_c3s1_000201_02", "-1_c1s1_000001_01", "0000_c1s1_000002_01");

        var crops = Market1501Crops.ReadTraining(_dir);

        Assert.Equal([0, 0, 1, 1], crops.Select(c => c.Identity)); // 0002 -> 0, 0007 -> 1; junk and distractors left out
        Assert.Equal([0L, 1, 0, 1], crops.Select(c => c.Frame));
        var crop = crops[0];
        var box = CropBox.Around(crop.Box, 128, 256);
        Assert.Equal((64.0, 128.0), (box.Width, box.Height), new ToleranceComparer(1e-3)); // the whole 64x128 image, no black border
    }

    [Fact]
    public void The_protocol_keeps_cameras_junk_and_distractors_and_scores_a_model()
    {
        Write("query", "0002_c1s1_000101_01", "0007_c2s1_000301_01");
        Write("bounding_box_test", "0002_c2s1_000201_01", "0007_c1s1_000151_01", "0002_c1s1_000111_01", "-1_c1s1_000001_01", "0000_c3s1_000002_01");

        var (queries, gallery) = Market1501Crops.ReadTest(_dir);

        Assert.Equal([(2, 1), (7, 2)], queries.Select(q => (q.Crop.Identity, q.Camera)));
        Assert.Equal([-1, 0, 2, 2, 7], gallery.Select(g => g.Crop.Identity).Order());
        TorchSharp.torch.manual_seed(3);
        using var model = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard);
        var scores = ReIdEvaluator.Evaluate(model, "reid", queries, gallery, TorchSharp.torch.CPU);
        // Each query keeps exactly one true match (its identity under another camera); same-camera views are removed.
        Assert.Equal(2, scores.Queries);
        Assert.Equal(0, scores.QueriesWithoutMatch);
        Assert.InRange(scores.MeanAveragePrecision, 0.2, 1.0); // one match among 3 to 4 candidates: AP at least 1/4
    }

    [Fact]
    public void A_name_outside_the_pattern_is_named()
    {
        Write("bounding_box_train", "person7");

        var error = Assert.Throws<DatasetFormatException>(() => Market1501Crops.ReadTraining(_dir));

        Assert.Contains("person7.jpg", error.Message, StringComparison.Ordinal);
    }

    private void Write(string folder, params string[] names)
    {
        Directory.CreateDirectory(Path.Combine(_dir, folder));
        for (int i = 0; i < names.Length; i++)
        {
            var pixels = new byte[64 * 128 * 3];
            new Random(names[i].GetHashCode(StringComparison.Ordinal)).NextBytes(pixels);
            File.WriteAllBytes(Path.Combine(_dir, folder, names[i] + ".jpg"), ImageCodec.EncodeJpeg(new RgbImage(64, 128, pixels)));
        }
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) x, (double, double) y) => Math.Abs(x.Item1 - y.Item1) <= tolerance && Math.Abs(x.Item2 - y.Item2) <= tolerance;

        public int GetHashCode((double, double) obj) => 0;
    }
}
