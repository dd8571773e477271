namespace UniHCP.Pipeline.Core.Events;

/// <summary>Layout of <see cref="VideoFrame.Pixels"/>.</summary>
public enum PixelFormat
{
    /// <summary>Packed 8-bit R, G, B; rows top to bottom, no padding (stride = width * 3).</summary>
    Rgb24 = 0,
}
