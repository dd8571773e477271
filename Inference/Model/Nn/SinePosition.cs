using TorchSharp;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Model.Nn;

/// <summary>
/// The decoder's 2-D sine position embedding of normalised points (x, y in [0, 1]): each axis is
/// scaled by 2 pi and divided by temperature^(2 floor(i/2) / F) for i below F = width / 2 features,
/// sines and cosines interleaved (sin of even features, cos of odd ones), the y part first.
/// </summary>
internal static class SinePosition
{
    private const double Temperature = 10000;

    /// <param name="points">[..., 2] normalised (x, y).</param>
    /// <param name="width">Output width (the decoder's hidden width).</param>
    /// <returns>[..., width]</returns>
    public static Tensor Embed(Tensor points, int width)
    {
        using var scope = NewDisposeScope();
        int features = width / 2;
        var scaled = points.to(ScalarType.Float32) * (2 * Math.PI);
        var index = arange(features, dtype: ScalarType.Float32, device: points.device);
        var dimT = pow(Temperature, 2 * floor_divide(index, 2) / features);
        var x = Interleave(scaled[TensorIndex.Ellipsis, 0].unsqueeze(-1) / dimT);
        var y = Interleave(scaled[TensorIndex.Ellipsis, 1].unsqueeze(-1) / dimT);
        return cat([y, x], -1).MoveToOuterDisposeScope();
    }

    /// <summary>Token centres of an h x w grid, normalised: x = (j + 0.5) / w, y = (i + 0.5) / h; [h*w, 2] in row-major order.</summary>
    public static Tensor GridCentres(long h, long w, Device device)
    {
        using var scope = NewDisposeScope();
        var ys = (arange(h, dtype: ScalarType.Float32, device: device) + 0.5) / h;
        var xs = (arange(w, dtype: ScalarType.Float32, device: device) + 0.5) / w;
        var grid = meshgrid([ys, xs], indexing: "ij");
        return stack([grid[1].flatten(), grid[0].flatten()], -1).MoveToOuterDisposeScope();
    }

    // [..., F] angles to [..., F]: sin of the even features and cos of the odd ones, interleaved.
    private static Tensor Interleave(Tensor angles)
    {
        var sines = angles[TensorIndex.Ellipsis, TensorIndex.Slice(0, null, 2)].sin();
        var cosines = angles[TensorIndex.Ellipsis, TensorIndex.Slice(1, null, 2)].cos();
        return stack([sines, cosines], -1).flatten(-2);
    }
}
