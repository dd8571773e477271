using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Kafka.Tests;

/// <summary>
/// Every event type through the codec and back, compared field by field with the original (not through the
/// encoder again, which would hide a field dropped in both directions). Every field of the samples holds a value
/// that differs from its type's default, so a field read back as default fails.
/// </summary>
public sealed class EventCodecTests
{
    private static readonly EventCodec Codec = new();
    private static readonly DateTimeOffset Time = new(2026, 11, 27, 10, 0, 0, 123, TimeSpan.FromHours(-5.5));

    [Fact]
    public void A_camera_notice_comes_back_field_by_field()
    {
        var notice = new CameraNotice("cam-1", CameraNoticeKind.Failed, Time, 99, "decoder died");
        var back = RoundTrip(notice);
        Assert.Equal("cam-1", back.CameraId);
        Assert.Equal(CameraNoticeKind.Failed, back.Kind);
        AssertSameTime(Time, back.Time);
        Assert.Equal(99, back.LastSequence);
        Assert.Equal("decoder died", back.Message);
        Assert.Null(RoundTrip(notice with { Message = null }).Message);
    }

    [Fact]
    public void A_video_frame_comes_back_field_by_field()
    {
        byte[] pixels = Enumerable.Range(0, 4 * 2 * 3).Select(i => (byte)(7 * i)).ToArray();
        var frame = new VideoFrame("cam-2", 41, Time, TimeSpan.FromMilliseconds(4_100.5), 4, 2, PixelFormat.Rgb24, pixels);
        var back = RoundTrip(frame);
        Assert.Equal("cam-2", back.CameraId);
        Assert.Equal(41, back.Sequence);
        AssertSameTime(Time, back.CaptureTime);
        Assert.Equal(TimeSpan.FromMilliseconds(4_100.5), back.StreamTime);
        Assert.Equal(4, back.Width);
        Assert.Equal(2, back.Height);
        Assert.Equal(PixelFormat.Rgb24, back.Format);
        Assert.Equal(pixels, back.Pixels.ToArray());
    }

    [Fact]
    public void Person_observations_come_back_field_by_field()
    {
        var observations = new PersonObservations("cam-3", 12, Time, 768, 576, "model-v7", [FullPerson(3), new PersonObservation(4, Box(1), 0.25f)], UnsearchedBelowHeight: 132.5f);
        var back = RoundTrip(observations);
        Assert.Equal(132.5f, back.UnsearchedBelowHeight);
        Assert.Equal("cam-3", back.CameraId);
        Assert.Equal(12, back.FrameSequence);
        AssertSameTime(Time, back.CaptureTime);
        Assert.Equal(768, back.FrameWidth);
        Assert.Equal(576, back.FrameHeight);
        Assert.Equal("model-v7", back.ModelVersion);
        Assert.Equal(2, back.Persons.Count);
        AssertSamePerson(observations.Persons[0], back.Persons[0]);
        AssertSamePerson(observations.Persons[1], back.Persons[1]);
        Assert.Equal(0f, RoundTrip(observations with { UnsearchedBelowHeight = 0 }).UnsearchedBelowHeight);
        var negative = Codec.Encode(observations with { UnsearchedBelowHeight = -1 });
        var error = Assert.Throws<InvalidDataException>(() => Codec.Decode<PersonObservations>(negative));
        Assert.Contains("a height must be a finite number >= 0 (got -1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_track_update_comes_back_field_by_field()
    {
        TrackState[] tracks =
        [
            new(7, TrackStatus.Confirmed, Box(2), 3, 42),
            new(8, TrackStatus.Lost, Box(3), null, null),
            new(9, TrackStatus.Removed, Box(4), 0, 0),
        ];
        var update = new TrackUpdate("cam-4", 13, Time, tracks, [FullPerson(3)], "model-v8");
        var back = RoundTrip(update);
        Assert.Equal("cam-4", back.CameraId);
        Assert.Equal(13, back.FrameSequence);
        AssertSameTime(Time, back.CaptureTime);
        Assert.Equal("model-v8", back.ModelVersion);
        Assert.Equal(tracks.Length, back.Tracks.Count);
        for (int i = 0; i < tracks.Length; i++)
        {
            Assert.Equal(tracks[i].TrackId, back.Tracks[i].TrackId);
            Assert.Equal(tracks[i].Status, back.Tracks[i].Status);
            Assert.Equal(tracks[i].Box, back.Tracks[i].Box);
            Assert.Equal(tracks[i].DetectionIndex, back.Tracks[i].DetectionIndex);
            Assert.Equal(tracks[i].IdentityId, back.Tracks[i].IdentityId);
        }
        AssertSamePerson(update.Observations[0], Assert.Single(back.Observations));
    }

    [Fact]
    public void An_identity_event_comes_back_field_by_field()
    {
        var merged = new IdentityEvent("cam-5", 17, 42, IdentityEventKind.Merged, Time, 0.91, MergedFrom: 16);
        var back = RoundTrip(merged);
        Assert.Equal("cam-5", back.CameraId);
        Assert.Equal(17, back.TrackId);
        Assert.Equal(42, back.IdentityId);
        Assert.Equal(IdentityEventKind.Merged, back.Kind);
        AssertSameTime(Time, back.Time);
        Assert.Equal(0.91, back.Similarity);
        Assert.Equal(16, back.MergedFrom);
        Assert.Null(RoundTrip(merged with { Kind = IdentityEventKind.Assigned, MergedFrom = null }).MergedFrom);
    }

    [Fact]
    public void A_zone_event_comes_back_field_by_field()
    {
        var exit = new ZoneEvent("cam-5", 123, Time, ZoneEventKind.Exit, "checkout queue", 3, 17, 42, TimeSpan.FromSeconds(12.5), 2);
        var back = RoundTrip(exit);
        Assert.Equal(exit with { Time = back.Time }, back);
        AssertSameTime(Time, back.Time);
        Assert.Null(RoundTrip(exit with { Kind = ZoneEventKind.Crowding, TrackId = 0, IdentityId = null }).IdentityId);
        var payload = Codec.Encode(exit);
        Assert.Throws<InvalidDataException>(() => Codec.Decode<ZoneEvent>(payload.AsSpan(0, payload.Length - 3)));
    }

    private static T RoundTrip<T>(T message) where T : class, ICameraEvent => Codec.Decode<T>(Codec.Encode(message));

    private static BoundingBox Box(int seed) => new(10.25f + seed, 20.5f + seed, 60.75f + seed, 180.125f + seed);

    private static PersonObservation FullPerson(int index) => new(
        index,
        Box(index),
        0.875f,
        Enumerable.Range(0, 17).Select(j => new Keypoint(1.5f + j, 2.25f * j + 1, 0.5f + j / 100f, j % 2 == 0)).ToList(),
        new ParsingSummary(new Dictionary<string, float> { ["UpperClothes"] = 0.4f, ["Pants"] = 0.3f }, "red", "blue"),
        [new AttributeProbability("Female", 0.9f), new AttributeProbability("Hat", 0.1f)],
        Enumerable.Range(0, 1536).Select(i => MathF.Sin(i) + 2).ToArray(),
        new byte[] { 0xFF, 0xD8, 1, 2, 3 });

    private static void AssertSamePerson(PersonObservation expected, PersonObservation actual)
    {
        Assert.Equal(expected.DetectionIndex, actual.DetectionIndex);
        Assert.Equal(expected.Box, actual.Box);
        Assert.Equal(expected.Score, actual.Score);
        Assert.Equal(expected.Keypoints, actual.Keypoints);
        if (expected.Parsing is null)
        {
            Assert.Null(actual.Parsing);
        }
        else
        {
            Assert.NotNull(actual.Parsing);
            Assert.Equal(expected.Parsing.PartShares.OrderBy(p => p.Key), actual.Parsing.PartShares.OrderBy(p => p.Key));
            Assert.Equal(expected.Parsing.UpperColor, actual.Parsing.UpperColor);
            Assert.Equal(expected.Parsing.LowerColor, actual.Parsing.LowerColor);
        }
        Assert.Equal(expected.Attributes, actual.Attributes);
        Assert.Equal(expected.Embedding.ToArray(), actual.Embedding.ToArray());
        Assert.Equal(expected.Thumbnail.ToArray(), actual.Thumbnail.ToArray());
    }

    // The instant and the offset both travel: an offset lost would move local-time reports.
    private static void AssertSameTime(DateTimeOffset expected, DateTimeOffset actual)
    {
        Assert.Equal(expected.UtcTicks, actual.UtcTicks);
        Assert.Equal(expected.Offset, actual.Offset);
    }
}
