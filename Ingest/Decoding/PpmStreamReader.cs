using System.Globalization;

namespace UniHCP.Pipeline.Ingest.Decoding;

/// <summary>
/// Reads a stream of binary PPM images ("P6 width height 255" + RGB bytes), which is what FFmpeg's
/// image2pipe/ppm output writes. Each frame carries its own size, so live sources need no probe
/// (a probe would cost a second connection, and would steal a single-client stream) and a camera
/// that changes resolution mid-stream is handled. The pixel payload is read straight into the
/// frame's array; only the few header bytes go through the small read buffer.
/// </summary>
internal sealed class PpmStreamReader(Stream stream, int maxDimension)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private long _frames;

    /// <summary>Next frame, or null at a clean end of stream (between frames).</summary>
    /// <exception cref="InvalidDataException">The stream is not PPM, has an absurd size, or ends inside a frame.</exception>
    public async ValueTask<DecodedFrame?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        if (!await EnsureAsync(1, cancellationToken).ConfigureAwait(false))
            return null;
        string magic = await ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (magic != "P6")
            throw Bad($"expected a PPM 'P6' header, found '{Printable(magic)}'");
        int width = await ReadNumberAsync("width", cancellationToken).ConfigureAwait(false);
        int height = await ReadNumberAsync("height", cancellationToken).ConfigureAwait(false);
        int maxValue = await ReadNumberAsync("maximum value", cancellationToken).ConfigureAwait(false);
        if (width < 1 || height < 1 || width > maxDimension || height > maxDimension)
            throw Bad($"frame size {width}x{height} is outside 1..{maxDimension}");
        if (maxValue != 255)
            throw Bad($"only 8-bit PPM is supported (maximum value {maxValue})");
        // Exactly one whitespace byte separates the header from the pixels.
        if (!await EnsureAsync(1, cancellationToken).ConfigureAwait(false) || !IsSpace(_buffer[_start]))
            throw Bad("header is not followed by a whitespace byte");
        _start++;

        var pixels = GC.AllocateUninitializedArray<byte>(checked(width * height * 3));
        int filled = Math.Min(_end - _start, pixels.Length);
        _buffer.AsSpan(_start, filled).CopyTo(pixels);
        _start += filled;
        while (filled < pixels.Length)
        {
            int read = await stream.ReadAsync(pixels.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
                throw Bad($"stream ended inside the frame after {filled} of {pixels.Length} bytes");
            filled += read;
        }
        _frames++;
        return new DecodedFrame(width, height, pixels);
    }

    private InvalidDataException Bad(string what) => new($"FFmpeg output frame {_frames}: {what}.");

    private async ValueTask<int> ReadNumberAsync(string what, CancellationToken cancellationToken)
    {
        string token = await ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            throw Bad($"PPM {what} '{Printable(token)}' is not a number");
        return value;
    }

    private async ValueTask<string> ReadTokenAsync(CancellationToken cancellationToken)
    {
        // Skip whitespace and '#' comments, then read up to the next whitespace (kept in the buffer).
        while (true)
        {
            if (!await EnsureAsync(1, cancellationToken).ConfigureAwait(false))
                throw Bad("stream ended inside a PPM header");
            byte b = _buffer[_start];
            if (IsSpace(b))
            {
                _start++;
            }
            else if (b == (byte)'#')
            {
                while (true)
                {
                    if (!await EnsureAsync(1, cancellationToken).ConfigureAwait(false))
                        throw Bad("stream ended inside a PPM comment");
                    if (_buffer[_start++] == (byte)'\n')
                        break;
                }
            }
            else
            {
                break;
            }
        }
        var token = new System.Text.StringBuilder();
        while (true)
        {
            if (!await EnsureAsync(1, cancellationToken).ConfigureAwait(false))
                throw Bad("stream ended inside a PPM header");
            byte b = _buffer[_start];
            if (IsSpace(b))
                return token.ToString();
            if (token.Length >= 16)
                throw Bad($"PPM header token '{Printable(token.ToString())}...' is too long");
            token.Append((char)b);
            _start++;
        }
    }

    private async ValueTask<bool> EnsureAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            int read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
                return false;
            _end += read;
        }
        return true;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\v' or (byte)'\f';

    private static string Printable(string s) => new(s.Select(c => c is >= ' ' and < (char)127 ? c : '?').ToArray());
}
