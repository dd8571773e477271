using UniHCP.Pipeline.Training.ReId;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Tests;

public sealed class RandomErasingTests
{
    [Fact]
    public void Erases_one_mean_coloured_rectangle_of_the_allowed_size_per_chosen_crop()
    {
        using var crops = full(new long[] { 64, 3, 64, 32 }, 7f);

        int erased = RandomErasing.Apply(crops, new Random(5));

        Assert.InRange(erased, 16, 48); // probability 0.5 over 64 crops
        var changed = crops.ne(7f).any(1);                                   // [B, H, W]
        var areas = changed.sum([1, 2]).to(ScalarType.Float32).data<float>().ToArray();
        Assert.Equal(erased, areas.Count(a => a > 0));
        Assert.All(areas.Where(a => a > 0), a => Assert.InRange(a / (64 * 32), 0.015, 0.42)); // 2-40 % after rounding
        for (int b = 0; b < 64; b++)
        {
            if (areas[b] == 0)
                continue;
            // One rectangle: its bounding box holds exactly the changed pixels, filled with the ImageNet mean colour.
            var rows = changed[b].any(1).nonzero().squeeze(1).data<long>().ToArray();
            var cols = changed[b].any(0).nonzero().squeeze(1).data<long>().ToArray();
            Assert.Equal(areas[b], (rows[^1] - rows[0] + 1) * (cols[^1] - cols[0] + 1));
            Assert.Equal(123.675f, crops[b, 0, rows[0], cols[0]].item<float>(), 3);
            Assert.Equal(103.53f, crops[b, 2, rows[^1], cols[^1]].item<float>(), 3);
        }
    }

    [Fact]
    public void Probability_zero_leaves_the_crops_and_bad_shapes_are_refused()
    {
        using var crops = full(new long[] { 4, 3, 16, 8 }, 7f);
        Assert.Equal(0, RandomErasing.Apply(crops, new Random(1), probability: 0));
        Assert.True(crops.eq(7f).all().item<bool>());
        Assert.Throws<ArgumentException>(() => RandomErasing.Apply(zeros(3, 16, 8), new Random(1)));
    }
}
