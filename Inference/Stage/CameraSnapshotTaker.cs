using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>A whole frame of each camera as JPEG, the first one and then once per <paramref name="every"/> of capture
/// time: the picture the dashboard's zone editor draws on. Frames arrive at the inference stage anyway; this costs one
/// JPEG encode per camera per interval.</summary>
public sealed class CameraSnapshotTaker(TimeSpan every, int quality = 80)
{
    private readonly Dictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);

    /// <summary>The frame as JPEG when the camera is due a snapshot, else null.</summary>
    public byte[]? Take(VideoFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_last.TryGetValue(frame.CameraId, out var last) && frame.CaptureTime - last < every && frame.CaptureTime >= last)
            return null;
        _last[frame.CameraId] = frame.CaptureTime;
        var pixels = new byte[frame.Width * frame.Height * 3];
        var source = frame.Pixels.Span;
        for (int y = 0; y < frame.Height; y++)
            source.Slice(y * frame.Stride, frame.Width * 3).CopyTo(pixels.AsSpan(y * frame.Width * 3));
        return ImageCodec.EncodeJpeg(new RgbImage(frame.Width, frame.Height, pixels), quality);
    }
}
