using SkiaSharp;

namespace UniHCP.Pipeline.Inference.Processing;

/// <summary>An RGB24 image: rows top to bottom, 3 bytes per pixel, no padding.</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels)
{
    public void Validate()
    {
        if (Width <= 0 || Height <= 0 || Pixels.Length != Width * Height * 3)
            throw new ArgumentException($"RGB image {Width}x{Height} needs {Width * Height * 3} bytes, has {Pixels.Length}.");
    }

    /// <summary>The pixels inside <paramref name="box"/> (clipped to the image, at least one pixel), as a new image.</summary>
    public RgbImage Cut(UniHCP.Pipeline.Core.Events.BoundingBox box)
    {
        int x1 = Math.Clamp((int)box.X1, 0, Width - 1), y1 = Math.Clamp((int)box.Y1, 0, Height - 1);
        int x2 = Math.Clamp((int)Math.Ceiling(box.X2), x1 + 1, Width), y2 = Math.Clamp((int)Math.Ceiling(box.Y2), y1 + 1, Height);
        var pixels = new byte[(x2 - x1) * (y2 - y1) * 3];
        for (int y = y1; y < y2; y++)
            Array.Copy(Pixels, ((y * Width) + x1) * 3, pixels, (y - y1) * (x2 - x1) * 3, (x2 - x1) * 3);
        return new RgbImage(x2 - x1, y2 - y1, pixels);
    }
}

/// <summary>Image files in and out (PNG, JPEG, BMP, WebP ... through SkiaSharp).</summary>
public static class ImageCodec
{
    /// <summary>Largest image decoded by default (64 megapixels).</summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;

    /// <summary>Decodes an image file; throws <see cref="InvalidDataException"/> naming the file when it is not an image.</summary>
    public static RgbImage Decode(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Image '{path}' does not exist.", path);
        return Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>Decodes image bytes (<paramref name="source"/> names them in errors).</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, string source, long maxPixels = DefaultMaxPixels)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"'{source}' is not an image this program can decode (PNG, JPEG, BMP, GIF, WebP).");
        // The header says how large the pixels would be: refuse before allocating them.
        if ((long)codec.Info.Width * codec.Info.Height > maxPixels)
            throw new InvalidDataException($"'{source}' is {codec.Info.Width}x{codec.Info.Height} pixels; at most {maxPixels:N0} pixels are accepted.");
        using var bitmap = SKBitmap.Decode(codec)
            ?? throw new InvalidDataException($"'{source}' could not be decoded (truncated or corrupt {codec.EncodedFormat}).");
        using var rgba = bitmap.ColorType == SKColorType.Rgba8888 ? bitmap.Copy() : bitmap.Copy(SKColorType.Rgba8888);
        int w = rgba.Width, h = rgba.Height;
        var rgb = new byte[w * h * 3];
        var source4 = rgba.GetPixelSpan();
        for (int i = 0, j = 0; i < w * h; i++, j += 4)
        {
            rgb[3 * i] = source4[j];
            rgb[(3 * i) + 1] = source4[j + 1];
            rgb[(3 * i) + 2] = source4[j + 2];
        }
        return new RgbImage(w, h, rgb);
    }

    /// <summary>Encodes RGB24 pixels as JPEG (quality 1-100).</summary>
    public static byte[] EncodeJpeg(RgbImage image, int quality = 85)
    {
        ArgumentNullException.ThrowIfNull(image);
        image.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var target = bitmap.GetPixelSpan();
        for (int i = 0, j = 0; i < image.Width * image.Height; i++, j += 4)
        {
            target[j] = image.Pixels[3 * i];
            target[j + 1] = image.Pixels[(3 * i) + 1];
            target[j + 2] = image.Pixels[(3 * i) + 2];
            target[j + 3] = 255;
        }
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        return encoded.ToArray();
    }
}
