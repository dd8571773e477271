using System.Buffers.Binary;
using System.Text;

namespace UniHCP.Pipeline.Inference.Checkpoints.Onnx;

/// <summary>
/// A reader of the protocol-buffers wire format, enough for ONNX model files: varints,
/// length-delimited fields (messages, strings, bytes, packed arrays) and fixed 32/64-bit fields.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>Next field's number and wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).</summary>
    public (int Field, int WireType) ReadTag()
    {
        ulong tag = ReadVarint();
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
                throw new InvalidDataException("truncated varint");
            byte b = _data[_position++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return result;
        }
        throw new InvalidDataException("varint longer than 10 bytes");
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
            throw new InvalidDataException($"field length {length} runs past the end ({_data.Length - _position} bytes left)");
        var slice = _data.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    public float ReadFixed32Float()
    {
        if (_position + 4 > _data.Length)
            throw new InvalidDataException("truncated fixed32");
        float value = BinaryPrimitives.ReadSingleLittleEndian(_data.Slice(_position, 4));
        _position += 4;
        return value;
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                _position += 8;
                break;
            case 2:
                ReadBytes();
                break;
            case 5:
                _position += 4;
                break;
            default:
                throw new InvalidDataException($"unsupported wire type {wireType}");
        }
        if (_position > _data.Length)
            throw new InvalidDataException("truncated field");
    }

    /// <summary>Int64 values of a repeated field, packed (wire type 2) or not (0).</summary>
    public void ReadInt64s(int wireType, List<long> into)
    {
        if (wireType == 0)
        {
            into.Add((long)ReadVarint());
            return;
        }
        var packed = new ProtoReader(ReadBytes());
        while (!packed.AtEnd)
            into.Add((long)packed.ReadVarint());
    }

    /// <summary>Float values of a repeated field, packed (2) or not (5).</summary>
    public void ReadFloats(int wireType, List<float> into)
    {
        if (wireType == 5)
        {
            into.Add(ReadFixed32Float());
            return;
        }
        var bytes = ReadBytes();
        for (int i = 0; i + 4 <= bytes.Length; i += 4)
            into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i, 4)));
    }
}
