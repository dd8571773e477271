using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Parsing;

/// <summary>
/// Mask2Former's importance sampling of the points the parsing mask loss reads: <c>oversample x N</c> uniform random
/// points per mask, of which the <c>importance x N</c> where the prediction is least certain (logit nearest 0) are
/// kept, plus <c>(1 - importance) x N</c> fresh uniform ones. The release: N = 12,544 (112^2), oversample 3,
/// importance 0.75.
/// </summary>
public static class ParsingPoints
{
    /// <param name="maskLogits">[B, C, h, w].</param>
    /// <returns>[B, C, N, 2] (x, y) in [0, 1], without gradient.</returns>
    public static Tensor Sample(Tensor maskLogits, int points = 12544, double oversample = 3, double importance = 0.75, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(maskLogits);
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        if (oversample < 1 || importance is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(oversample), "Oversample must be at least 1 and importance between 0 and 1.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long batch = maskLogits.shape[0], classes = maskLogits.shape[1];
        int candidates = (int)(points * oversample), important = (int)(points * importance), random = points - important;
        var uniform = rand([batch, classes, candidates, 2], generator: generator, device: maskLogits.device);
        var grid = (uniform * 2) - 1;
        var values = nn.functional.grid_sample(
            maskLogits.to(ScalarType.Float32).reshape(batch * classes, 1, maskLogits.shape[2], maskLogits.shape[3]),
            grid.reshape(batch * classes, 1, candidates, 2), align_corners: false).reshape(batch, classes, candidates);
        var uncertain = (-values.abs()).topk(important, dim: 2).indexes;                  // [B, C, important]
        var chosen = uniform.gather(2, uncertain.unsqueeze(-1).expand(-1, -1, -1, 2));
        var fresh = rand([batch, classes, random, 2], generator: generator, device: maskLogits.device);
        return cat([chosen, fresh], 2).MoveToOuterDisposeScope();
    }
}
