namespace UniHCP.Pipeline.Core.Events;

/// <summary>
/// One decoded frame of one camera: the seam between ingest and inference.
/// </summary>
/// <param name="CameraId">The camera that produced the frame.</param>
/// <param name="Sequence">0-based frame number of this camera, strictly increasing for the camera's
/// whole life, also across reconnects of a live source.</param>
/// <param name="CaptureTime">When the frame was captured: for files the file's start time plus
/// <paramref name="StreamTime"/>; for live sources the wall clock when ingest received it.</param>
/// <param name="StreamTime">Position in the source stream (time since the source's first frame,
/// of the current connection for live sources).</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Format">Pixel layout of <paramref name="Pixels"/>.</param>
/// <param name="Pixels">The pixel data; exactly <c>Width * Height * 3</c> bytes for <see cref="PixelFormat.Rgb24"/>.
/// Treated as immutable once published: nobody writes to a frame's buffer after that.</param>
public sealed record VideoFrame(
    string CameraId,
    long Sequence,
    DateTimeOffset CaptureTime,
    TimeSpan StreamTime,
    int Width,
    int Height,
    PixelFormat Format,
    ReadOnlyMemory<byte> Pixels) : ICameraEvent
{
    /// <summary>Bytes per row of <see cref="Pixels"/>.</summary>
    public int Stride => Width * BytesPerPixel(Format);

    public static int BytesPerPixel(PixelFormat format) => format switch
    {
        PixelFormat.Rgb24 => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };

    /// <summary>Checks the invariants a consumer relies on; throws naming what is wrong.</summary>
    public void Validate()
    {
        Events.CameraId.Validate(CameraId);
        if (Sequence < 0)
            throw new ArgumentException($"Frame sequence must be >= 0 (camera '{CameraId}', got {Sequence}).");
        if (Width <= 0 || Height <= 0)
            throw new ArgumentException($"Frame size must be positive (camera '{CameraId}', frame {Sequence}: {Width}x{Height}).");
        long expected = (long)Width * Height * BytesPerPixel(Format);
        if (Pixels.Length != expected)
        {
            throw new ArgumentException(
                $"Frame {Sequence} of camera '{CameraId}' has {Pixels.Length} bytes; {Width}x{Height} {Format} needs {expected}.");
        }
    }
}
