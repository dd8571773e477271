using System.Text.Json;
using UniHCP.Pipeline.Training.Attributes;
using UniHCP.Pipeline.Training.Pose;
using UniHCP.Pipeline.Training.ReId;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>
/// The attribute, pose and ReID losses against values computed independently with PyTorch
/// (Golden/make_person_task_golden.py, from the specification's loss description).
/// </summary>
public sealed class PersonTaskLossGoldenTests
{
    private static readonly JsonElement s_golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "person_task_golden.json"))).RootElement;

    [Fact]
    public void Attribute_loss_weights_rare_positives_and_skips_unknown_labels_as_the_reference()
    {
        var golden = s_golden.GetProperty("attributes");
        var loss = new AttributeLoss(Floats(golden, "ratios").Select(r => (double)r).ToList());

        using var value = loss.Compute(Tensor(golden, "logits", 4, 5), Tensor(golden, "labels", 4, 5));

        AssertClose(golden.GetProperty("loss").GetDouble(), value.item<float>(), "attribute loss");
    }

    [Fact]
    public void An_unknown_label_contributes_nothing_whatever_the_logit()
    {
        var loss = new AttributeLoss([0.5, 0.5]);
        using var labels = tensor(new float[] { 1, -1 }).reshape(1, 2);

        using var low = loss.Compute(tensor(new float[] { 2, -30 }).reshape(1, 2), labels);
        using var high = loss.Compute(tensor(new float[] { 2, 30 }).reshape(1, 2), labels);

        Assert.Equal(low.item<float>(), high.item<float>());
    }

    [Fact]
    public void Positive_ratios_count_known_labels_only()
    {
        var ratios = AttributeLoss.PositiveRatios([[1, 0, -1], [1, -1, -1], [0, 1, -1], [1, 0, -1]], 3);

        Assert.Equal([0.75, 1.0 / 3, 0], ratios);
        Assert.Throws<ArgumentException>(() => AttributeLoss.PositiveRatios([[1, 2, 0]], 3));
    }

    [Fact]
    public void Pose_loss_equals_the_reference()
    {
        var golden = s_golden.GetProperty("pose");

        var (loss, parts) = new PoseLoss().Compute(
            Tensor(golden, "heatmaps", 2, 3, 4, 3), Tensor(golden, "visibility", 2, 3), Tensor(golden, "targets", 2, 3, 4, 3), Tensor(golden, "weights", 2, 3));

        AssertClose(golden.GetProperty("heatmap").GetDouble(), parts.Heatmap, "heatmap MSE");
        AssertClose(golden.GetProperty("visibility_bce").GetDouble(), parts.Visibility, "visibility BCE");
        AssertClose(golden.GetProperty("loss").GetDouble(), loss.item<float>(), "pose loss");
    }

    [Fact]
    public void Reid_identity_and_triplet_losses_equal_the_reference()
    {
        var golden = s_golden.GetProperty("reid");
        using var criterion = new ReIdCriterion(8, 3);
        using (no_grad())
            criterion.ClassifierWeight.copy_(Tensor(golden, "classifier", 3, 8));
        criterion.train();
        var ids = tensor(golden.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToArray());

        var (loss, parts) = criterion.Compute(Tensor(golden, "features", 6, 8), ids);

        AssertClose(golden.GetProperty("identity").GetDouble(), parts.Identity, "identity cross-entropy");
        AssertClose(golden.GetProperty("triplet").GetDouble(), parts.Triplet, "soft-margin batch-hard triplet");
        AssertClose(golden.GetProperty("loss").GetDouble(), loss.item<float>(), "ReID loss");
    }

    [Fact]
    public void Reid_triplet_loss_refuses_a_batch_of_one_identity()
    {
        using var features = randn(4, 8);

        Assert.Throws<ArgumentException>(() => ReIdCriterion.BatchHardSoftMarginTriplet(features, tensor(new long[] { 3, 3, 3, 3 })));
    }

    private static float[] Floats(JsonElement parent, string name) =>
        [.. parent.GetProperty(name).EnumerateArray().Select(e => (float)e.GetDouble())];

    private static Tensor Tensor(JsonElement parent, string name, params long[] shape) => tensor(Floats(parent, name)).reshape(shape);

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");
}
