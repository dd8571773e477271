using System.Buffers.Binary;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>The halfvec bytes the writer copies: the same as converting and writing value by value.</summary>
public sealed class HalfVecWireTests
{
    [Theory]
    [InlineData(1f)]          // unit-scale ReID values
    [InlineData(1e-6f)]       // below the smallest normal half: subnormals and zeros
    [InlineData(70_000f)]     // above the largest half: scaled down as a whole
    public void Encodes_every_value_as_a_big_endian_half(float magnitude)
    {
        var random = new Random(3);
        var values = new float[1537];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)((random.NextDouble() * 2) - 1) * magnitude;
        values[5] = -0f;
        values[6] = magnitude;

        var bytes = HalfVecWire.Encode(values);

        Assert.Equal(4 + (2 * values.Length), bytes.Length);
        Assert.Equal(values.Length, BinaryPrimitives.ReadInt16BigEndian(bytes));
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(2)));
        float scale = magnitude > 65504f ? 65504f / magnitude : 1f;
        for (int i = 0; i < values.Length; i++)
        {
            var expected = (Half)(values[i] * scale);
            var actual = BinaryPrimitives.ReadHalfBigEndian(bytes.AsSpan(4 + (2 * i)));
            Assert.True(BitConverter.HalfToUInt16Bits(expected) == BitConverter.HalfToUInt16Bits(actual), $"value {i}: {values[i]} gave {actual}, not {expected}");
        }
    }

    [Fact]
    public void Refuses_what_a_halfvec_cannot_hold()
    {
        Assert.Throws<ArgumentException>(() => HalfVecWire.Encode([]));
        Assert.Throws<ArgumentException>(() => HalfVecWire.Encode([1f, float.NaN]));
        Assert.Throws<ArgumentException>(() => HalfVecWire.Encode(new float[HalfVecWire.MaxDimensions + 1]));
    }
}
