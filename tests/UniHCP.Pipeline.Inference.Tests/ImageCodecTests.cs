using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Tests;

public sealed class ImageCodecTests
{
    [Fact]
    public void Jpeg_round_trip_keeps_size_and_colours_close()
    {
        var pixels = new byte[64 * 48 * 3];
        for (int i = 0; i < 64 * 48; i++)
            (pixels[3 * i], pixels[(3 * i) + 1], pixels[(3 * i) + 2]) = (200, 40, (byte)(i % 64 * 4));
        var image = new RgbImage(64, 48, pixels);

        byte[] jpeg = ImageCodec.EncodeJpeg(image, 95);
        var back = ImageCodec.Decode(jpeg, "memory");

        Assert.Equal((0xFF, 0xD8), (jpeg[0], jpeg[1]));
        Assert.Equal((64, 48), (back.Width, back.Height));
        double mean = pixels.Zip(back.Pixels).Average(p => Math.Abs(p.First - p.Second));
        Assert.True(mean < 3, $"mean difference {mean:0.00}");
    }

    [Fact]
    public void A_real_png_decodes_and_a_text_file_is_refused()
    {
        string png = Path.Combine(SharedData.Root, "pennfudan", "PennFudanPed", "PNGImages", "FudanPed00001.png");
        if (File.Exists(png))
        {
            var image = ImageCodec.Decode(png);
            Assert.Equal((559, 536), (image.Width, image.Height));
        }
        string text = Path.GetTempFileName();
        File.WriteAllText(text, "not an image");
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => ImageCodec.Decode(text));
            Assert.Contains(text, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(text);
        }
        Assert.Throws<FileNotFoundException>(() => ImageCodec.Decode("/nonexistent.png"));
    }
}
