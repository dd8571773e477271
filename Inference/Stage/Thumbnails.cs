using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>Small JPEG crops of persons for operators' result lists (the store keeps each track's best one).</summary>
public static class Thumbnails
{
    /// <summary>The box (clamped to the frame) scaled to <paramref name="height"/> pixels high, nearest neighbour:
    /// at this size the difference to a filtered resize is invisible and it costs microseconds. With
    /// <paramref name="blurHead"/> the head (<see cref="HeadRegion"/>: from <paramref name="keypoints"/> when the head's
    /// are seen, else the top of the box) is pixelated before encoding, so the stored JPEG never holds the face.</summary>
    public static byte[] Crop(VideoFrame frame, BoundingBox box, int height, int quality = 80, bool blurHead = false, IReadOnlyList<Keypoint>? keypoints = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        int x1 = Math.Clamp((int)MathF.Floor(box.X1), 0, frame.Width - 1);
        int y1 = Math.Clamp((int)MathF.Floor(box.Y1), 0, frame.Height - 1);
        int x2 = Math.Clamp((int)MathF.Ceiling(box.X2), x1 + 1, frame.Width);
        int y2 = Math.Clamp((int)MathF.Ceiling(box.Y2), y1 + 1, frame.Height);
        int sourceWidth = x2 - x1, sourceHeight = y2 - y1;
        int outHeight = Math.Min(height, sourceHeight);
        int outWidth = Math.Max(1, (int)Math.Round((double)sourceWidth * outHeight / sourceHeight));
        var pixels = new byte[outWidth * outHeight * 3];
        var source = frame.Pixels.Span;
        int stride = frame.Stride;
        for (int y = 0; y < outHeight; y++)
        {
            int sy = y1 + (int)((long)y * sourceHeight / outHeight);
            for (int x = 0; x < outWidth; x++)
            {
                int sx = x1 + (int)((long)x * sourceWidth / outWidth);
                source.Slice((sy * stride) + (sx * 3), 3).CopyTo(pixels.AsSpan(((y * outWidth) + x) * 3, 3));
            }
        }
        if (blurHead)
        {
            var head = HeadRegion.Find(new BoundingBox(x1, y1, x2, y2), keypoints);
            double sx = (double)outWidth / sourceWidth, sy = (double)outHeight / sourceHeight;
            HeadRegion.Pixelate(pixels, outWidth, outHeight, (int)Math.Floor((head.X1 - x1) * sx), (int)Math.Floor((head.Y1 - y1) * sy),
                (int)Math.Ceiling((head.X2 - x1) * sx), (int)Math.Ceiling((head.Y2 - y1) * sy));
        }
        return ImageCodec.EncodeJpeg(new RgbImage(outWidth, outHeight, pixels), quality);
    }
}
