using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>How frame pixels travel through the broker: raw (exact, ~1.3 MB per 768x576 frame) or compressed
/// (JPEG, supplied by the host that has an image codec). The codec id is written with every frame.</summary>
public interface IFramePixelCodec
{
    /// <summary>Written in the message so that a consumer picks the matching decoder.</summary>
    byte Id { get; }

    byte[] Encode(VideoFrame frame);

    /// <summary>RGB24 pixels of exactly width x height x 3 bytes, or an exception naming what is wrong.</summary>
    byte[] Decode(ReadOnlySpan<byte> payload, int width, int height);
}

/// <summary>Pixels as they are.</summary>
public sealed class RawFramePixels : IFramePixelCodec
{
    public static RawFramePixels Instance { get; } = new();

    public byte Id => 0;

    public byte[] Encode(VideoFrame frame) => frame.Pixels.ToArray();

    public byte[] Decode(ReadOnlySpan<byte> payload, int width, int height) =>
        payload.Length == width * height * 3 ? payload.ToArray()
            : throw new InvalidDataException($"Raw frame has {payload.Length} bytes; {width}x{height} RGB needs {width * height * 3}.");
}
