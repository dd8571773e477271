using System.Globalization;
using System.Text;

namespace UniHCP.Pipeline.Ingest.Decoding;

/// <summary>
/// Reads FFmpeg's YUV4MPEG2 output ("YUV4MPEG2 W768 H576 F10:1 ... C420jpeg" once, then "FRAME"
/// and the Y, U, V planes per frame) and returns each frame as RGB24. The stream header carries
/// the size, so live sources need no separate probe (which would cost a second connection and
/// could steal a single-client stream). The planes are read into one reused buffer; only the RGB
/// result, which is handed downstream, is a new array per frame. Reads block: on Unix an anonymous
/// pipe has no asynchronous reads (ReadAsync would block a thread-pool thread per camera), so the
/// decoder runs this on a thread of its own.
/// </summary>
internal sealed class Y4mStreamReader(Stream stream, int maxDimension)
{
    private const string StreamMagic = "YUV4MPEG2";
    private const string FrameMagic = "FRAME";
    private const int MaxHeaderLength = 1024;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private long _frames;
    private byte[] _planar = [];

    public int Width { get; private set; }

    public int Height { get; private set; }

    /// <summary>Next frame, or null at a clean end of stream (before a frame header).</summary>
    /// <exception cref="InvalidDataException">The stream is not 4:2:0 YUV4MPEG2, has an absurd size, or ends inside a frame.</exception>
    public DecodedFrame? ReadFrame()
    {
        if (Width == 0)
        {
            if (!Ensure(1))
                return null;
            ParseStreamHeader(ReadLine());
        }
        if (!Ensure(1))
            return null;
        string frameHeader = ReadLine();
        if (frameHeader != FrameMagic && !frameHeader.StartsWith(FrameMagic + " ", StringComparison.Ordinal))
            throw Bad($"expected a '{FrameMagic}' header, found '{Printable(frameHeader)}'");

        int size = Yuv420ToRgb24.PlanarSize(Width, Height);
        if (_planar.Length != size)
            _planar = new byte[size];
        int filled = Math.Min(_end - _start, size);
        _buffer.AsSpan(_start, filled).CopyTo(_planar);
        _start += filled;
        while (filled < size)
        {
            int read = stream.Read(_planar.AsSpan(filled));
            if (read == 0)
                throw Bad($"stream ended inside the frame after {filled} of {size} bytes");
            filled += read;
        }
        var rgb = GC.AllocateUninitializedArray<byte>(checked(Width * Height * 3));
        Yuv420ToRgb24.Convert(_planar, Width, Height, rgb);
        _frames++;
        return new DecodedFrame(Width, Height, rgb);
    }

    private void ParseStreamHeader(string header)
    {
        var fields = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0] != StreamMagic)
            throw Bad($"expected a '{StreamMagic}' stream header, found '{Printable(header)}'");
        int width = 0, height = 0;
        foreach (string field in fields.AsSpan(1))
        {
            switch (field[0])
            {
                case 'W':
                    width = Number(field, "width");
                    break;
                case 'H':
                    height = Number(field, "height");
                    break;
                case 'C' when !field.StartsWith("C420", StringComparison.Ordinal):
                    throw Bad($"colour space '{Printable(field[1..])}' is not 4:2:0");
            }
        }
        if (width < 1 || height < 1 || width > maxDimension || height > maxDimension)
            throw Bad($"frame size {width}x{height} is outside 1..{maxDimension}");
        Width = width;
        Height = height;
    }

    private int Number(string field, string what) =>
        int.TryParse(field.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw Bad($"{what} '{Printable(field[1..])}' is not a number");

    private InvalidDataException Bad(string what) => new($"FFmpeg output frame {_frames}: {what}.");

    private string ReadLine()
    {
        var line = new StringBuilder();
        while (true)
        {
            if (!Ensure(1))
                throw Bad("stream ended inside a header");
            byte b = _buffer[_start++];
            if (b == (byte)'\n')
                return line.ToString();
            if (line.Length >= MaxHeaderLength)
                throw Bad($"header '{Printable(line.ToString(0, 32))}...' is longer than {MaxHeaderLength} bytes");
            line.Append((char)b);
        }
    }

    private bool Ensure(int count)
    {
        while (_end - _start < count)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            int read = stream.Read(_buffer.AsSpan(_end));
            if (read == 0)
                return false;
            _end += read;
        }
        return true;
    }

    private static string Printable(string s) => new(s.Take(64).Select(c => c is >= ' ' and < (char)127 ? c : '?').ToArray());
}
