using UniHCP.Pipeline.Ingest.Decoding;

namespace UniHCP.Pipeline.Ingest.Tests;

public sealed class Yuv420ToRgb24Tests
{
    [Theory]
    [InlineData(16, 128, 128, 0, 0, 0)]       // black
    [InlineData(235, 128, 128, 255, 255, 255)] // white
    [InlineData(126, 128, 128, 128, 128, 128)] // mid grey
    [InlineData(81, 90, 240, 255, 0, 0)]       // BT.601 red
    [InlineData(145, 54, 34, 0, 255, 0)]       // BT.601 green
    [InlineData(41, 240, 110, 0, 0, 255)]      // BT.601 blue
    [InlineData(255, 255, 255, 255, 125, 255)] // out-of-range input saturates instead of wrapping
    [InlineData(0, 0, 0, 0, 135, 0)]
    public void Reference_colours_convert_as_bt601_limited_range(byte y, byte u, byte v, byte r, byte g, byte b)
    {
        foreach (bool vector in new[] { true, false })
        {
            // 32x2 so that the vector path runs for the first 16 pixels and the scalar one after.
            var planar = Planar(32, 2, y, u, v);
            var rgb = new byte[32 * 2 * 3];
            Yuv420ToRgb24.Convert(planar, 32, 2, rgb, allowVector: vector);
            for (int p = 0; p < 64; p++)
            {
                Assert.InRange(rgb[3 * p], r - 2, r + 2);
                Assert.InRange(rgb[(3 * p) + 1], g - 2, g + 2);
                Assert.InRange(rgb[(3 * p) + 2], b - 2, b + 2);
            }
        }
    }

    [Theory]
    [InlineData(64, 48)]
    [InlineData(37, 21)]
    [InlineData(15, 3)]
    [InlineData(1, 1)]
    [InlineData(768, 576)]
    public void The_vector_path_equals_the_scalar_reference_on_random_planes(int width, int height)
    {
        var random = new Random(width * 1000 + height);
        var planar = new byte[Yuv420ToRgb24.PlanarSize(width, height)];
        random.NextBytes(planar);
        var fast = new byte[width * height * 3];
        var reference = new byte[width * height * 3];

        Yuv420ToRgb24.Convert(planar, width, height, fast, allowVector: true);
        Yuv420ToRgb24.Convert(planar, width, height, reference, allowVector: false);

        Assert.Equal(reference, fast);
    }

    [Fact]
    public void Chroma_is_shared_by_each_2x2_block()
    {
        // 4x2 frame: left block blue-ish chroma, right block red-ish; all luma equal.
        byte[] planar = [100, 100, 100, 100, 100, 100, 100, 100, 200, 60, 60, 200];
        var rgb = new byte[4 * 2 * 3];
        Yuv420ToRgb24.Convert(planar, 4, 2, rgb);
        for (int row = 0; row < 2; row++)
        {
            Assert.Equal(rgb.AsSpan(row * 12, 3).ToArray(), rgb.AsSpan((row * 12) + 3, 3).ToArray());
            Assert.Equal(rgb.AsSpan((row * 12) + 6, 3).ToArray(), rgb.AsSpan((row * 12) + 9, 3).ToArray());
        }
        Assert.True(rgb[2] > rgb[0], "left block is blue");
        Assert.True(rgb[6] > rgb[8], "right block is red");
    }

    private static byte[] Planar(int width, int height, byte y, byte u, byte v)
    {
        int luma = width * height;
        int chroma = Yuv420ToRgb24.ChromaWidth(width) * Yuv420ToRgb24.ChromaHeight(height);
        var planar = new byte[luma + (2 * chroma)];
        planar.AsSpan(0, luma).Fill(y);
        planar.AsSpan(luma, chroma).Fill(u);
        planar.AsSpan(luma + chroma, chroma).Fill(v);
        return planar;
    }
}
