using Google.Protobuf;
using UniHCP.Pipeline.Core.Events;
using P = UniHCP.Pipeline.Benchmarks.Codec.Proto;

namespace UniHCP.Pipeline.Benchmarks.Codec;

/// <summary>Our event records to and from the generated Protobuf messages (the benchmark's Protobuf codec).</summary>
internal static class ProtoMapping
{
    public static byte[] Encode(ICameraEvent message) => message switch
    {
        CameraNotice n => ToProto(n).ToByteArray(),
        VideoFrame f => new P.VideoFrame
        {
            CameraId = f.CameraId, Sequence = f.Sequence, CaptureTime = ToProto(f.CaptureTime), StreamTicks = f.StreamTime.Ticks,
            Width = f.Width, Height = f.Height, Format = (int)f.Format, Pixels = ByteString.CopyFrom(f.Pixels.Span),
        }.ToByteArray(),
        PersonObservations p => ToProto(p).ToByteArray(),
        TrackUpdate u => ToProto(u).ToByteArray(),
        IdentityEvent e => ToProto(e).ToByteArray(),
        _ => throw new ArgumentException($"No Protobuf form for {message.GetType().Name}."),
    };

    public static ICameraEvent Decode(Type type, byte[] bytes)
    {
        if (type == typeof(CameraNotice))
        {
            var n = P.CameraNotice.Parser.ParseFrom(bytes);
            return new CameraNotice(n.CameraId, (CameraNoticeKind)n.Kind, FromProto(n.Time), n.LastSequence, n.HasMessage ? n.Message : null);
        }
        if (type == typeof(VideoFrame))
        {
            var f = P.VideoFrame.Parser.ParseFrom(bytes);
            return new VideoFrame(f.CameraId, f.Sequence, FromProto(f.CaptureTime), TimeSpan.FromTicks(f.StreamTicks), f.Width, f.Height, (PixelFormat)f.Format, f.Pixels.ToByteArray());
        }
        if (type == typeof(PersonObservations))
        {
            var p = P.PersonObservations.Parser.ParseFrom(bytes);
            return new PersonObservations(p.CameraId, p.FrameSequence, FromProto(p.CaptureTime), p.FrameWidth, p.FrameHeight, p.ModelVersion, p.Persons.Select(FromProto).ToList());
        }
        if (type == typeof(TrackUpdate))
        {
            var u = P.TrackUpdate.Parser.ParseFrom(bytes);
            return new TrackUpdate(u.CameraId, u.FrameSequence, FromProto(u.CaptureTime),
                u.Tracks.Select(t => new TrackState(t.TrackId, (TrackStatus)t.Status, FromProto(t.Box), t.HasDetectionIndex ? t.DetectionIndex : null, t.HasIdentityId ? t.IdentityId : null)).ToList(),
                u.Observations.Select(FromProto).ToList(), u.ModelVersion);
        }
        if (type == typeof(IdentityEvent))
        {
            var e = P.IdentityEvent.Parser.ParseFrom(bytes);
            return new IdentityEvent(e.CameraId, e.TrackId, e.IdentityId, (IdentityEventKind)e.Kind, FromProto(e.Time), e.Similarity, e.HasMergedFrom ? e.MergedFrom : null);
        }
        throw new ArgumentException($"No Protobuf form for {type.Name}.");
    }

    private static P.CameraNotice ToProto(CameraNotice n)
    {
        var m = new P.CameraNotice { CameraId = n.CameraId, Kind = (int)n.Kind, Time = ToProto(n.Time), LastSequence = n.LastSequence };
        if (n.Message is { } text)
            m.Message = text;
        return m;
    }

    private static P.PersonObservations ToProto(PersonObservations p)
    {
        var m = new P.PersonObservations { CameraId = p.CameraId, FrameSequence = p.FrameSequence, CaptureTime = ToProto(p.CaptureTime), FrameWidth = p.FrameWidth, FrameHeight = p.FrameHeight, ModelVersion = p.ModelVersion };
        m.Persons.AddRange(p.Persons.Select(ToProto));
        return m;
    }

    private static P.TrackUpdate ToProto(TrackUpdate u)
    {
        var m = new P.TrackUpdate { CameraId = u.CameraId, FrameSequence = u.FrameSequence, CaptureTime = ToProto(u.CaptureTime), ModelVersion = u.ModelVersion };
        foreach (var t in u.Tracks)
        {
            var state = new P.TrackState { TrackId = t.TrackId, Status = (int)t.Status, Box = ToProto(t.Box) };
            if (t.DetectionIndex is { } index)
                state.DetectionIndex = index;
            if (t.IdentityId is { } identity)
                state.IdentityId = identity;
            m.Tracks.Add(state);
        }
        m.Observations.AddRange(u.Observations.Select(ToProto));
        return m;
    }

    private static P.IdentityEvent ToProto(IdentityEvent e)
    {
        var m = new P.IdentityEvent { CameraId = e.CameraId, TrackId = e.TrackId, IdentityId = e.IdentityId, Kind = (int)e.Kind, Time = ToProto(e.Time), Similarity = e.Similarity };
        if (e.MergedFrom is { } from)
            m.MergedFrom = from;
        return m;
    }

    private static P.Person ToProto(PersonObservation p)
    {
        var m = new P.Person { DetectionIndex = p.DetectionIndex, Box = ToProto(p.Box), Score = p.Score, Thumbnail = ByteString.CopyFrom(p.Thumbnail.Span) };
        if (p.Keypoints is { } keypoints)
        {
            m.HasKeypoints = true;
            m.Keypoints.AddRange(keypoints.Select(k => new P.Keypoint { X = k.X, Y = k.Y, Score = k.Score, Visible = k.Visible }));
        }
        if (p.Parsing is { } parsing)
        {
            m.Parsing = new P.Parsing();
            foreach (var (part, share) in parsing.PartShares)
                m.Parsing.PartShares[part] = share;
            if (parsing.UpperColor is { } upper)
                m.Parsing.UpperColor = upper;
            if (parsing.LowerColor is { } lower)
                m.Parsing.LowerColor = lower;
        }
        if (p.Attributes is { } attributes)
        {
            m.HasAttributes = true;
            m.Attributes.AddRange(attributes.Select(a => new P.Attribute { Name = a.Name, Probability = a.Probability }));
        }
        m.Embedding.AddRange(p.Embedding.ToArray());
        return m;
    }

    private static PersonObservation FromProto(P.Person m) => new(
        m.DetectionIndex, FromProto(m.Box), m.Score,
        m.HasKeypoints ? m.Keypoints.Select(k => new Keypoint(k.X, k.Y, k.Score, k.Visible)).ToList() : null,
        m.Parsing is { } parsing ? new ParsingSummary(parsing.PartShares.ToDictionary(), parsing.HasUpperColor ? parsing.UpperColor : null, parsing.HasLowerColor ? parsing.LowerColor : null) : null,
        m.HasAttributes ? m.Attributes.Select(a => new AttributeProbability(a.Name, a.Probability)).ToList() : null,
        m.Embedding.ToArray(),
        m.Thumbnail.ToByteArray());

    private static P.Box ToProto(BoundingBox b) => new() { X1 = b.X1, Y1 = b.Y1, X2 = b.X2, Y2 = b.Y2 };

    private static BoundingBox FromProto(P.Box b) => new(b.X1, b.Y1, b.X2, b.Y2);

    private static P.Time ToProto(DateTimeOffset t) => new() { UtcTicks = t.UtcTicks, OffsetMinutes = (int)t.Offset.TotalMinutes };

    private static DateTimeOffset FromProto(P.Time t) => new DateTimeOffset(t.UtcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(t.OffsetMinutes));
}
