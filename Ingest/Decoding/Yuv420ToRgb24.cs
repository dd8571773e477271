using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace UniHCP.Pipeline.Ingest.Decoding;

/// <summary>
/// Converts planar YUV 4:2:0 (limited range, BT.601: FFmpeg's default YUV-to-RGB matrix) to packed
/// RGB24. FFmpeg sends us YUV because it is half the bytes of RGB through the pipe and the
/// conversion then runs on our core, in parallel with FFmpeg decoding the next frame; together
/// that keeps ingest close to FFmpeg's own decoding speed (docs/benchmarks.md).
/// Chroma is upsampled by repetition, as FFmpeg's unscaled converter does. Fixed point with 6
/// fractional bits; results are within 3 levels of FFmpeg's rgb24 output (under 1 on average).
/// </summary>
internal static class Yuv420ToRgb24
{
    // Coefficients x64: R = 1.164(Y-16) + 1.596(V-128); G = 1.164(Y-16) - 0.392(U-128) - 0.813(V-128);
    // B = 1.164(Y-16) + 2.017(U-128). 1.164 x 64 = 74.5 is applied as 74 y + y/2.
    private const int CoefficientRv = 102;
    private const int CoefficientGu = 25;
    private const int CoefficientGv = 52;
    private const int CoefficientBu = 129;

    // Sums range over [-17704, 34188]: beyond a signed 16-bit lane, but within an unsigned one
    // after adding 277 x 64, so the vector path adds that bias, shifts logically and removes 277.
    // The shift truncates, as FFmpeg's converter does (rounding instead biased us 1 level high);
    // LumaRounding makes up for 74.5 being a little under FFmpeg's 1.16438 x 64 = 74.52, so that
    // white (Y = 235) reaches 255.
    private const int LumaRounding = 16;
    private const short Bias = (277 * 64) + LumaRounding;
    private const short Unbias = 277;

    /// <summary>Size in bytes of one frame's Y, U and V planes.</summary>
    public static int PlanarSize(int width, int height) => checked((width * height) + (2 * ChromaWidth(width) * ChromaHeight(height)));

    public static int ChromaWidth(int width) => (width + 1) / 2;

    public static int ChromaHeight(int height) => (height + 1) / 2;

    /// <summary>Converts one frame: <paramref name="planar"/> holds Y (width x height), then U and V
    /// (each ceil(width/2) x ceil(height/2)); <paramref name="rgb"/> receives width x height x 3 bytes.</summary>
    public static void Convert(ReadOnlySpan<byte> planar, int width, int height, Span<byte> rgb, bool allowVector = true)
    {
        int chromaWidth = ChromaWidth(width);
        int chromaPlane = chromaWidth * ChromaHeight(height);
        if (planar.Length < PlanarSize(width, height) || rgb.Length < width * height * 3)
            throw new ArgumentException($"Buffers too small for a {width}x{height} frame.");
        var yPlane = planar[..(width * height)];
        var uPlane = planar.Slice(width * height, chromaPlane);
        var vPlane = planar.Slice((width * height) + chromaPlane, chromaPlane);
        for (int row = 0; row < height; row += 2)
        {
            int rows = Math.Min(2, height - row);
            var u = uPlane.Slice(row / 2 * chromaWidth, chromaWidth);
            var v = vPlane.Slice(row / 2 * chromaWidth, chromaWidth);
            for (int r = 0; r < rows; r++)
            {
                var y = yPlane.Slice((row + r) * width, width);
                var output = rgb.Slice((row + r) * width * 3, width * 3);
                int done = allowVector && Vector128.IsHardwareAccelerated ? ConvertRowVector(y, u, v, output) : 0;
                ConvertRowScalar(y, u, v, output, done);
            }
        }
    }

    /// <summary>The reference arithmetic, also used for the pixels the vector path leaves over.</summary>
    private static void ConvertRowScalar(ReadOnlySpan<byte> y, ReadOnlySpan<byte> u, ReadOnlySpan<byte> v, Span<byte> rgb, int start)
    {
        for (int x = start; x < y.Length; x++)
        {
            int luma = y[x] - 16;
            int yTerm = (74 * luma) + (luma >> 1);
            int cu = u[x >> 1] - 128;
            int cv = v[x >> 1] - 128;
            rgb[(3 * x) + 0] = Clamp((yTerm + (CoefficientRv * cv) + LumaRounding) >> 6);
            rgb[(3 * x) + 1] = Clamp((yTerm - (CoefficientGu * cu) - (CoefficientGv * cv) + LumaRounding) >> 6);
            rgb[(3 * x) + 2] = Clamp((yTerm + (CoefficientBu * cu) + LumaRounding) >> 6);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clamp(int value) => (byte)Math.Clamp(value, 0, 255);

    /// <summary>16 pixels per step; returns how many pixels it converted.</summary>
    private static int ConvertRowVector(ReadOnlySpan<byte> y, ReadOnlySpan<byte> u, ReadOnlySpan<byte> v, Span<byte> rgb)
    {
        ref byte yRef = ref MemoryMarshal.GetReference(y);
        ref byte uRef = ref MemoryMarshal.GetReference(u);
        ref byte vRef = ref MemoryMarshal.GetReference(v);
        ref byte outRef = ref MemoryMarshal.GetReference(rgb);
        var sixteen = Vector128.Create((short)16);
        var chromaZero = Vector128.Create((short)128);
        var bias = Vector128.Create(Bias);
        var unbias = Vector128.Create(Unbias);
        var max = Vector128.Create((short)255);
        // Repeats chroma lanes 0-3 (4-7) to pixels 0-7 (8-15).
        var repeatLow = Vector128.Create((byte)0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7);
        var repeatHigh = Vector128.Create((byte)8, 9, 8, 9, 10, 11, 10, 11, 12, 13, 12, 13, 14, 15, 14, 15);

        int x = 0;
        // Each step reads 16 luma and 8 chroma bytes (a ulong) and writes 48 bytes.
        for (; x + 16 <= y.Length && (x / 2) + 8 <= u.Length; x += 16)
        {
            var luma = Vector128.LoadUnsafe(ref yRef, (nuint)x);
            var (lumaLow, lumaHigh) = Vector128.Widen(luma);
            var yLow = LumaTerm(lumaLow.AsInt16() - sixteen);
            var yHigh = LumaTerm(lumaHigh.AsInt16() - sixteen);

            var cu = Vector128.WidenLower(Vector128.CreateScalar(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref uRef, x / 2))).AsByte()).AsInt16() - chromaZero;
            var cv = Vector128.WidenLower(Vector128.CreateScalar(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref vRef, x / 2))).AsByte()).AsInt16() - chromaZero;
            var red = cv * CoefficientRv;
            var green = (cu * CoefficientGu) + (cv * CoefficientGv);
            var blue = cu * CoefficientBu;

            var r = Channel(yLow + Repeat(red, repeatLow), yHigh + Repeat(red, repeatHigh), bias, unbias, max);
            var g = Channel(yLow - Repeat(green, repeatLow), yHigh - Repeat(green, repeatHigh), bias, unbias, max);
            var b = Channel(yLow + Repeat(blue, repeatLow), yHigh + Repeat(blue, repeatHigh), bias, unbias, max);
            Interleave(r, g, b, ref Unsafe.Add(ref outRef, 3 * x));
        }
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> LumaTerm(Vector128<short> luma) =>
        (luma * 74) + Vector128.ShiftRightArithmetic(luma, 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> Repeat(Vector128<short> chroma, Vector128<byte> pattern) =>
        Vector128.ShuffleNative(chroma.AsByte(), pattern).AsInt16();

    // (sum + bias) >>> 6 - 277, clamped to 0..255 and narrowed to 16 bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Channel(Vector128<short> low, Vector128<short> high, Vector128<short> bias, Vector128<short> unbias, Vector128<short> max)
    {
        var lo = Vector128.ShiftRightLogical((low + bias).AsUInt16(), 6).AsInt16() - unbias;
        var hi = Vector128.ShiftRightLogical((high + bias).AsUInt16(), 6).AsInt16() - unbias;
        lo = Vector128.Min(Vector128.Max(lo, Vector128<short>.Zero), max);
        hi = Vector128.Min(Vector128.Max(hi, Vector128<short>.Zero), max);
        return Vector128.Narrow(lo.AsUInt16(), hi.AsUInt16());
    }

    private static readonly Vector128<byte>[] s_interleave = BuildInterleave();

    // out[k] = channel (k % 3) of pixel (k / 3); each output vector takes its bytes from R, G and B
    // by three shuffles whose other lanes are zero (index 0x80), then ORs them.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector128<byte> r, Vector128<byte> g, Vector128<byte> b, ref byte destination)
    {
        var masks = s_interleave;
        for (int part = 0; part < 3; part++)
        {
            var bytes = Vector128.ShuffleNative(r, masks[(part * 3) + 0])
                | Vector128.ShuffleNative(g, masks[(part * 3) + 1])
                | Vector128.ShuffleNative(b, masks[(part * 3) + 2]);
            bytes.StoreUnsafe(ref destination, (nuint)(16 * part));
        }
    }

    private static Vector128<byte>[] BuildInterleave()
    {
        var masks = new Vector128<byte>[9];
        for (int part = 0; part < 3; part++)
        {
            for (int channel = 0; channel < 3; channel++)
            {
                var lanes = new byte[16];
                for (int k = 0; k < 16; k++)
                {
                    int index = (16 * part) + k;
                    lanes[k] = index % 3 == channel ? (byte)(index / 3) : (byte)0x80;
                }
                masks[(part * 3) + channel] = Vector128.Create(lanes);
            }
        }
        return masks;
    }
}
