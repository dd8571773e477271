using System.Text.Json;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Training.Detection;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>
/// The matcher and the detection losses against values computed independently with PyTorch and
/// SciPy (Golden/make_detection_golden.py, from the specification's loss description): two images,
/// twelve queries, one image with an ignore region holding two unmatched predictions.
/// </summary>
public sealed class DetectionLossGoldenTests
{
    private static readonly JsonElement s_golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "detection_golden.json"))).RootElement;

    [Fact]
    public void Hungarian_matching_pairs_the_same_queries_as_scipy()
    {
        var (logits, boxes, targets) = Inputs();
        var criterion = new DetectionCriterion(new DetectionLossWeights());
        var expected = s_golden.GetProperty("loss").GetProperty("matches").EnumerateArray().ToList();

        for (int b = 0; b < targets.Count; b++)
        {
            var (queries, truths) = criterion.Match(logits[b], boxes[b], targets[b].Boxes);
            var byTruth = truths.Zip(queries).OrderBy(p => p.First).Select(p => p.Second).ToArray();
            Assert.Equal(expected[b].EnumerateArray().Select(e => e.GetInt64()).ToArray(), byTruth);
        }
    }

    [Fact]
    public void Focal_l1_and_giou_losses_equal_the_reference()
    {
        var (logits, boxes, targets) = Inputs();
        var expected = s_golden.GetProperty("loss");
        using var layer = new TaskOutput { GlobalLogits = logits, Boxes = boxes };

        var (loss, parts) = new DetectionCriterion(new DetectionLossWeights()).Compute([layer], targets);

        AssertClose(expected.GetProperty("class").GetDouble(), parts.Class, "focal");
        AssertClose(expected.GetProperty("l1").GetDouble(), parts.L1, "L1");
        AssertClose(expected.GetProperty("giou").GetDouble(), parts.GIoU, "GIoU");
        AssertClose(expected.GetProperty("total").GetDouble(), loss.item<float>(), "total");
        Assert.Equal(4, parts.Boxes);
    }

    [Fact]
    public void Every_decoder_layer_adds_its_own_loss()
    {
        var (logits, boxes, targets) = Inputs();
        using var layer = new TaskOutput { GlobalLogits = logits, Boxes = boxes };

        var (loss, _) = new DetectionCriterion(new DetectionLossWeights()).Compute([layer, layer, layer], targets);

        AssertClose(3 * s_golden.GetProperty("loss").GetProperty("total").GetDouble(), loss.item<float>(), "three layers");
    }

    [Fact]
    public void Generalised_iou_equals_the_reference()
    {
        var pairs = s_golden.GetProperty("giou_pairs");
        var a = Matrix(pairs.GetProperty("a"));
        var b = Matrix(pairs.GetProperty("b"));

        var giou = BoxOps.GeneralizedIoU(a, b).diagonal().data<float>().ToArray();

        var expected = pairs.GetProperty("giou").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < expected.Length; i++)
            AssertClose(expected[i], giou[i], $"pair {i}");
    }

    private static (Tensor Logits, Tensor Boxes, List<DetectionTarget> Targets) Inputs()
    {
        var logits = Matrix(s_golden.GetProperty("logits"));
        var boxes = stack(s_golden.GetProperty("boxes").EnumerateArray().Select(b => Matrix(b)).ToList());
        var targets = s_golden.GetProperty("images").EnumerateArray().Select(image => new DetectionTarget(
            Matrix(image.GetProperty("boxes"), 4), Matrix(image.GetProperty("ignore"), 4))).ToList();
        return (logits, boxes, targets);
    }

    // Rows of numbers as a [rows, columns] tensor; width gives the columns of a possibly empty list.
    private static Tensor Matrix(JsonElement rows, int? width = null)
    {
        var values = rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToList();
        int columns = width ?? values[0].Length;
        return tensor(values.SelectMany(v => v).ToArray(), [values.Count, columns]);
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");
}
