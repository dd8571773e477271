using System.Runtime.InteropServices;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Processing;

/// <summary>Frames and crops as tensors: RGB 0..255 in float32, [N, 3, H, W].</summary>
internal static class ImageTensors
{
    /// <summary>A frame as [1, 3, H, W] float32 on <paramref name="device"/>.</summary>
    public static Tensor FromFrame(VideoFrame frame, Device device)
    {
        frame.Validate();
        if (frame.Format != PixelFormat.Rgb24)
            throw new ArgumentException($"Frame {frame.Sequence} of camera '{frame.CameraId}' is {frame.Format}; the engine reads Rgb24.");
        byte[] bytes = MemoryMarshal.TryGetArray(frame.Pixels, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : frame.Pixels.ToArray();
        using var hwc = tensor(bytes, [frame.Height, frame.Width, 3], ScalarType.Byte);
        return hwc.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32).to(device);
    }

    /// <summary>A decoded image (a training sample, a crop) as [1, 3, H, W] float32 on <paramref name="device"/>.</summary>
    public static Tensor FromImage(RgbImage image, Device device) =>
        FromFrame(new VideoFrame("image", 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, image.Width, image.Height, PixelFormat.Rgb24, image.Pixels), device);

    /// <summary>Resizes [N, 3, H, W] images bilinearly, antialiased when shrinking (like PIL's resize).</summary>
    public static Tensor Resize(Tensor images, int width, int height)
    {
        if (images.shape[2] == height && images.shape[3] == width)
            return images.alias();
        bool shrinking = height < images.shape[2] || width < images.shape[3];
        return nn.functional.interpolate(images, size: [height, width], mode: InterpolationMode.Bilinear, align_corners: false, antialias: shrinking);
    }

    /// <summary>
    /// Person crops [N, 3, size.Height, size.Width] sampled bilinearly from one frame [1, 3, H, W]
    /// through each crop's UDP affine; outside the frame is black (0), as the reference warp.
    /// </summary>
    public static Tensor Crops(Tensor frame, IReadOnlyList<CropBox> boxes, CropSize size)
    {
        using var scope = NewDisposeScope();
        long frameHeight = frame.shape[2], frameWidth = frame.shape[3];
        int w = size.Width, h = size.Height;
        var grid = new float[boxes.Count * h * w * 2];
        for (int n = 0; n < boxes.Count; n++)
        {
            var box = boxes[n];
            int offset = n * h * w * 2;
            for (int v = 0; v < h; v++)
            {
                // align_corners = true: -1 and +1 are the centres of the first and last source pixels.
                float gy = (float)((2 * box.SourceY(v, h) / Math.Max(frameHeight - 1, 1)) - 1);
                for (int u = 0; u < w; u++)
                {
                    int at = offset + (((v * w) + u) * 2);
                    grid[at] = (float)((2 * box.SourceX(u, w) / Math.Max(frameWidth - 1, 1)) - 1);
                    grid[at + 1] = gy;
                }
            }
        }
        var sampling = tensor(grid, [boxes.Count, h, w, 2], device: frame.device);
        var source = frame.expand(boxes.Count, -1, -1, -1);
        return nn.functional.grid_sample(source, sampling, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: true)
            .MoveToOuterDisposeScope();
    }
}
