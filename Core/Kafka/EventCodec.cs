using System.Runtime.InteropServices;
using System.Text;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>
/// The compact binary form of the pipeline's events on the broker (little-endian, length-prefixed strings and
/// arrays, a flag before every optional value). The schema version travels in a header; a consumer refuses a
/// version it does not know rather than misread it. Decoding validates lengths and ranges: a malformed message
/// throws <see cref="InvalidDataException"/> (and goes to the dead-letter topic), never a half-read event.
/// </summary>
public sealed class EventCodec(IFramePixelCodec? framePixels = null, IReadOnlyList<IFramePixelCodec>? decoders = null)
{
    public const int SchemaVersion = 2; // 2: PersonObservations.UnsearchedBelowHeight
    private const int MaxItems = 1 << 20;
    private readonly IFramePixelCodec _framePixels = framePixels ?? RawFramePixels.Instance;
    private readonly Dictionary<byte, IFramePixelCodec> _decoders = (decoders ?? []).Append(RawFramePixels.Instance).Append(framePixels ?? RawFramePixels.Instance)
        .GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.First());

    public byte[] Encode(ICameraEvent message)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            switch (message)
            {
                case CameraNotice n:
                    w.Write(n.CameraId); w.Write((byte)n.Kind); Time(w, n.Time); w.Write(n.LastSequence); Text(w, n.Message);
                    break;
                case VideoFrame f:
                    w.Write(f.CameraId); w.Write(f.Sequence); Time(w, f.CaptureTime); w.Write(f.StreamTime.Ticks);
                    w.Write(f.Width); w.Write(f.Height); w.Write((byte)f.Format); w.Write(_framePixels.Id);
                    Bytes(w, _framePixels.Encode(f));
                    break;
                case PersonObservations p:
                    w.Write(p.CameraId); w.Write(p.FrameSequence); Time(w, p.CaptureTime); w.Write(p.FrameWidth); w.Write(p.FrameHeight); w.Write(p.ModelVersion);
                    w.Write(p.Persons.Count);
                    foreach (var person in p.Persons)
                        Person(w, person);
                    w.Write(p.UnsearchedBelowHeight);
                    break;
                case TrackUpdate u:
                    w.Write(u.CameraId); w.Write(u.FrameSequence); Time(w, u.CaptureTime); w.Write(u.ModelVersion);
                    w.Write(u.Tracks.Count);
                    foreach (var t in u.Tracks)
                    {
                        w.Write(t.TrackId); w.Write((byte)t.Status); Box(w, t.Box);
                        w.Write(t.DetectionIndex.HasValue); w.Write(t.DetectionIndex ?? 0);
                        w.Write(t.IdentityId.HasValue); w.Write(t.IdentityId ?? 0);
                    }
                    w.Write(u.Observations.Count);
                    foreach (var person in u.Observations)
                        Person(w, person);
                    break;
                case IdentityEvent e:
                    w.Write(e.CameraId); w.Write(e.TrackId); w.Write(e.IdentityId); w.Write((byte)e.Kind); Time(w, e.Time); w.Write(e.Similarity);
                    w.Write(e.MergedFrom.HasValue); w.Write(e.MergedFrom ?? 0);
                    break;
                case ZoneEvent z:
                    w.Write(z.CameraId); w.Write(z.FrameSequence); Time(w, z.Time); w.Write((byte)z.Kind); w.Write(z.Geometry); w.Write(z.GeometryVersion);
                    w.Write(z.TrackId); w.Write(z.IdentityId.HasValue); w.Write(z.IdentityId ?? 0); w.Write(z.Duration.Ticks); w.Write(z.Occupancy);
                    break;
                default:
                    throw new ArgumentException($"No wire form for {message.GetType().Name}.");
            }
        }
        return buffer.ToArray();
    }

    public T Decode<T>(ReadOnlySpan<byte> payload) where T : class, ICameraEvent => (T)Decode(typeof(T), payload.ToArray());

    /// <summary>Decodes a message body that the caller no longer needs (read in place, not copied).</summary>
    public T Decode<T>(byte[] payload) where T : class, ICameraEvent => (T)Decode(typeof(T), payload);

    public ICameraEvent Decode(Type type, ReadOnlySpan<byte> payload) => Decode(type, payload.ToArray());

    public ICameraEvent Decode(Type type, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        using var stream = new MemoryStream(payload, writable: false);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            ICameraEvent result = type.Name switch
            {
                nameof(CameraNotice) => new CameraNotice(CameraId(r), Enum<CameraNoticeKind>(r.ReadByte()), Time(r), r.ReadInt64(), Text(r)),
                nameof(VideoFrame) => Frame(r),
                nameof(PersonObservations) => new PersonObservations(CameraId(r), r.ReadInt64(), Time(r), r.ReadInt32(), r.ReadInt32(), r.ReadString(), Items(r, Person), Height(r.ReadSingle())),
                nameof(TrackUpdate) => Update(r),
                nameof(IdentityEvent) => new IdentityEvent(CameraId(r), r.ReadInt64(), r.ReadInt64(), Enum<IdentityEventKind>(r.ReadByte()), Time(r), r.ReadDouble(),
                    r.ReadBoolean() ? r.ReadInt64() : Skip(r.ReadInt64())),
                nameof(ZoneEvent) => new ZoneEvent(CameraId(r), r.ReadInt64(), Time(r), Enum<ZoneEventKind>(r.ReadByte()), r.ReadString(), r.ReadInt32(), r.ReadInt64(),
                    r.ReadBoolean() ? r.ReadInt64() : Skip(r.ReadInt64()), TimeSpan.FromTicks(r.ReadInt64()), r.ReadInt32()),
                _ => throw new ArgumentException($"No wire form for {type.Name}."),
            };
            if (stream.Position != stream.Length)
                throw new InvalidDataException($"{stream.Length - stream.Position} bytes left over after a {type.Name}.");
            return result;
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"Not a valid {type.Name} (schema {SchemaVersion}): {ex.Message}", ex);
        }
    }

    private VideoFrame Frame(BinaryReader r)
    {
        string camera = CameraId(r);
        long sequence = r.ReadInt64();
        var capture = Time(r);
        var streamTime = TimeSpan.FromTicks(r.ReadInt64());
        int width = r.ReadInt32(), height = r.ReadInt32();
        var format = Enum<PixelFormat>(r.ReadByte());
        byte codec = r.ReadByte();
        byte[] payload = Bytes(r);
        if (width is <= 0 or > 16384 || height is <= 0 or > 16384)
            throw new InvalidDataException($"Frame size {width}x{height} is out of range.");
        var decoder = _decoders.GetValueOrDefault(codec) ?? throw new InvalidDataException($"Unknown frame pixel codec {codec}.");
        var frame = new VideoFrame(camera, sequence, capture, streamTime, width, height, format, decoder.Decode(payload, width, height));
        frame.Validate();
        return frame;
    }

    private static TrackUpdate Update(BinaryReader r)
    {
        string camera = CameraId(r);
        long sequence = r.ReadInt64();
        var time = Time(r);
        string version = r.ReadString();
        var tracks = Items(r, x => new TrackState(x.ReadInt64(), Enum<TrackStatus>(x.ReadByte()), Box(x),
            x.ReadBoolean() ? x.ReadInt32() : Skip(x.ReadInt32()), x.ReadBoolean() ? x.ReadInt64() : Skip(x.ReadInt64())));
        return new TrackUpdate(camera, sequence, time, tracks, Items(r, Person), version);
    }

    private static void Person(BinaryWriter w, PersonObservation p)
    {
        w.Write(p.DetectionIndex); Box(w, p.Box); w.Write(p.Score);
        w.Write(p.Keypoints is not null);
        if (p.Keypoints is not null)
        {
            w.Write(p.Keypoints.Count);
            foreach (var k in p.Keypoints)
            {
                w.Write(k.X); w.Write(k.Y); w.Write(k.Score); w.Write(k.Visible);
            }
        }
        w.Write(p.Parsing is not null);
        if (p.Parsing is not null)
        {
            w.Write(p.Parsing.PartShares.Count);
            foreach (var (part, share) in p.Parsing.PartShares)
            {
                w.Write(part); w.Write(share);
            }
            Text(w, p.Parsing.UpperColor); Text(w, p.Parsing.LowerColor);
        }
        w.Write(p.Attributes is not null);
        if (p.Attributes is not null)
        {
            w.Write(p.Attributes.Count);
            foreach (var a in p.Attributes)
            {
                w.Write(a.Name); w.Write(a.Probability);
            }
        }
        Floats(w, p.Embedding.Span);
        w.Write(p.Thumbnail.Length);
        w.Write(p.Thumbnail.Span);
    }

    private static PersonObservation Person(BinaryReader r)
    {
        int index = r.ReadInt32();
        var box = Box(r);
        float score = r.ReadSingle();
        var keypoints = r.ReadBoolean() ? Items(r, x => new Keypoint(x.ReadSingle(), x.ReadSingle(), x.ReadSingle(), x.ReadBoolean())) : null;
        ParsingSummary? parsing = null;
        if (r.ReadBoolean())
        {
            var shares = Items(r, x => (Part: x.ReadString(), Share: x.ReadSingle())).ToDictionary(p => p.Part, p => p.Share, StringComparer.Ordinal);
            parsing = new ParsingSummary(shares, Text(r), Text(r));
        }
        var attributes = r.ReadBoolean() ? Items(r, x => new AttributeProbability(x.ReadString(), x.ReadSingle())) : null;
        var embedding = Floats(r);
        return new PersonObservation(index, box, score, keypoints, parsing, attributes, embedding, Bytes(r));
    }

    private static List<T> Items<T>(BinaryReader r, Func<BinaryReader, T> item)
    {
        int count = r.ReadInt32();
        if (count is < 0 or > MaxItems)
            throw new InvalidDataException($"A list of {count} items is out of range.");
        var items = new List<T>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++)
            items.Add(item(r));
        return items;
    }

    // Embeddings are the bulk of a person (1536 floats): written and read as one block of little-endian bytes, not one
    // value at a time (measured: docs/benchmarks.md "Event codec").
    private static void Floats(BinaryWriter w, ReadOnlySpan<float> values)
    {
        w.Write(values.Length);
        if (BitConverter.IsLittleEndian)
        {
            w.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        foreach (float value in values)
            w.Write(value);
    }

    private static float[] Floats(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count is < 0 or > MaxItems || (long)count * sizeof(float) > r.BaseStream.Length - r.BaseStream.Position)
            throw new InvalidDataException($"A list of {count} floats does not fit the message.");
        var values = new float[count];
        if (BitConverter.IsLittleEndian)
        {
            r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }
        for (int i = 0; i < count; i++)
            values[i] = r.ReadSingle();
        return values;
    }

    private static void Bytes(BinaryWriter w, byte[] bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static byte[] Bytes(BinaryReader r)
    {
        int length = r.ReadInt32();
        if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
            throw new InvalidDataException($"A byte block of {length} does not fit the message.");
        return r.ReadBytes(length);
    }

    private static void Box(BinaryWriter w, BoundingBox b)
    {
        w.Write(b.X1); w.Write(b.Y1); w.Write(b.X2); w.Write(b.Y2);
    }

    private static BoundingBox Box(BinaryReader r) => new(r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle());

    private static float Height(float value) =>
        float.IsFinite(value) && value >= 0 ? value : throw new FormatException($"a height must be a finite number >= 0 (got {value}).");

    private static void Time(BinaryWriter w, DateTimeOffset t)
    {
        w.Write(t.UtcTicks); w.Write((short)t.Offset.TotalMinutes);
    }

    private static DateTimeOffset Time(BinaryReader r)
    {
        long ticks = r.ReadInt64();
        short offset = r.ReadInt16();
        return new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offset));
    }

    private static void Text(BinaryWriter w, string? text)
    {
        w.Write(text is not null);
        if (text is not null)
            w.Write(text);
    }

    private static string? Text(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static string CameraId(BinaryReader r) => Core.Events.CameraId.Validate(r.ReadString());

    private static TEnum Enum<TEnum>(byte value) where TEnum : struct, Enum =>
        System.Enum.IsDefined(typeof(TEnum), (int)value) ? (TEnum)(object)(int)value : throw new InvalidDataException($"{value} is not a {typeof(TEnum).Name}.");

    private static T? Skip<T>(T _) where T : struct => null;
}
