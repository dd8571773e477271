namespace UniHCP.Pipeline.Ingest.Decoding;

/// <summary>One frame as it came out of FFmpeg: packed RGB24, <c>Width * Height * 3</c> bytes.</summary>
internal readonly record struct DecodedFrame(int Width, int Height, byte[] Pixels);
