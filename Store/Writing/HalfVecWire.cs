using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>
/// pgvector's binary form of a halfvec (what halfvec_recv reads: the length and a zero as 16-bit integers, then
/// each value as an IEEE half, all big-endian). COPY BINARY carries no types, so these bytes written as a bytea
/// field land in a halfvec column as the Pgvector package's own writer would send them, without a per-value
/// call on the path that stores 15,000 observations a second.
/// </summary>
internal static class HalfVecWire
{
    /// <summary>The largest finite half; a ReID vector with a larger value is scaled down to fit, which keeps
    /// its direction (all that cosine similarity reads).</summary>
    private const float MaxHalf = 65504f;

    /// <summary>pgvector's limit on a halfvec's length.</summary>
    public const int MaxDimensions = 16000;

    public static byte[] Encode(ReadOnlySpan<float> values)
    {
        if (values.Length is 0 or > MaxDimensions)
            throw new ArgumentException($"An embedding of {values.Length} values cannot be stored as a halfvec (1 to {MaxDimensions}).", nameof(values));
        float largest = TensorPrimitives.MaxMagnitude(values);
        if (!float.IsFinite(largest))
            throw new ArgumentException("An embedding holds a value that is not finite.", nameof(values));
        float scale = Math.Abs(largest) > MaxHalf ? MaxHalf / Math.Abs(largest) : 1f;
        var bytes = new byte[4 + (values.Length * 2)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt16BigEndian(span, (short)values.Length);
        BinaryPrimitives.WriteInt16BigEndian(span[2..], 0);
        // Whole-span conversions (vector instructions), not a call per value: at 15,000 observations a second
        // with an embedding each, the scalar loop was the writer's largest own cost (perf, docs/benchmarks.md).
        var halves = MemoryMarshal.Cast<byte, Half>(span[4..]);
        if (scale == 1f)
        {
            TensorPrimitives.ConvertToHalf(values, halves);
        }
        else
        {
            var scaled = new float[values.Length];
            TensorPrimitives.Multiply(values, scale, scaled);
            TensorPrimitives.ConvertToHalf(scaled, halves);
        }
        if (BitConverter.IsLittleEndian)
        {
            var words = MemoryMarshal.Cast<byte, ushort>(span[4..]);
            BinaryPrimitives.ReverseEndianness(words, words);
        }
        return bytes;
    }
}
