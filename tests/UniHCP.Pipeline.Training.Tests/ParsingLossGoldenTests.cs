using System.Text.Json;
using UniHCP.Pipeline.Training.Parsing;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>The parsing loss against values computed independently with PyTorch (Golden/make_parsing_golden.py):
/// two images, four classes (one absent everywhere, one absent in one image), ignored pixels, given points.</summary>
public sealed class ParsingLossGoldenTests
{
    private static readonly JsonElement s_golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "parsing_golden.json"))).RootElement;

    [Fact]
    public void Presence_point_bce_and_dice_equal_the_reference()
    {
        long[] shape = [.. s_golden.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64())];
        long b = shape[0], c = shape[1], h = shape[2], w = shape[3], height = shape[4], width = shape[5], n = shape[6];
        var loss = new ParsingLoss([.. s_golden.GetProperty("ratios").EnumerateArray().Select(e => e.GetDouble())]);

        var (total, parts) = loss.Compute(
            Floats("class_logits").reshape(b, c), Floats("mask_logits").reshape(b, c, h, w),
            tensor(s_golden.GetProperty("labels").EnumerateArray().Select(e => e.GetInt64()).ToArray()).reshape(b, height, width),
            Floats("points").reshape(b, c, n, 2));

        Assert.Equal(s_golden.GetProperty("masks").GetInt32(), parts.Masks);
        AssertClose(s_golden.GetProperty("presence").GetDouble(), parts.Presence, "presence BCE");
        AssertClose(s_golden.GetProperty("mask_bce").GetDouble(), parts.MaskBce, "point BCE");
        AssertClose(s_golden.GetProperty("dice").GetDouble(), parts.Dice, "dice");
        AssertClose(s_golden.GetProperty("loss").GetDouble(), total.item<float>(), "parsing loss");
    }

    [Fact]
    public void Sampled_points_favour_the_uncertain_pixels()
    {
        // One mask, confident (logit 10) everywhere except the right half (logit 0): with importance 1, every point
        // comes from the uncertain half.
        var logits = full(new long[] { 1, 1, 8, 8 }, 10f);
        logits[.., .., .., 4..] = zeros(1, 1, 8, 4);

        var points = ParsingPoints.Sample(logits, points: 50, oversample: 4, importance: 1, generator: new Generator(3));

        Assert.Equal([1, 1, 50, 2], points.shape);
        Assert.True(points[.., .., .., 0].min().item<float>() > 0.45f, "every important point lies in the uncertain right half");
    }

    private static Tensor Floats(string name) => tensor(s_golden.GetProperty(name).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray());

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");
}
