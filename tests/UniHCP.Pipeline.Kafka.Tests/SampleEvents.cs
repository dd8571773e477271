using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Kafka.Tests;

/// <summary>One of each event type, with every optional field filled (and one without), for round trips.</summary>
internal static class SampleEvents
{
    private static readonly DateTimeOffset Time = new(2026, 11, 27, 10, 0, 0, TimeSpan.FromHours(1));

    public static PersonObservation Person(int index, bool full = true) => new(
        index,
        new BoundingBox(10.5f + index, 20, 60, 180),
        0.87f,
        full ? Enumerable.Range(0, 17).Select(j => new Keypoint(j, 2 * j, 0.5f, j % 2 == 0)).ToList() : null,
        full ? new ParsingSummary(new Dictionary<string, float> { ["UpperClothes"] = 0.4f, ["Pants"] = 0.3f }, "red", null) : null,
        full ? [new AttributeProbability("Female", 0.9f), new AttributeProbability("Hat", 0.1f)] : null,
        full ? Enumerable.Range(0, 1536).Select(i => MathF.Sin(i)).ToArray() : default,
        full ? new byte[] { 0xFF, 0xD8, 1, 2, 3 } : default);

    public static VideoFrame Frame(string camera, long sequence) =>
        new(camera, sequence, Time.AddSeconds(sequence / 10.0), TimeSpan.FromSeconds(sequence / 10.0), 4, 2, PixelFormat.Rgb24,
            Enumerable.Range(0, 24).Select(i => (byte)(i + sequence)).ToArray());

    public static PersonObservations Observations(string camera, long sequence) =>
        new(camera, sequence, Time.AddSeconds(sequence), 768, 576, "v1", [Person(0), Person(1, full: false)]);

    public static TrackUpdate Update(string camera, long sequence) =>
        new(camera, sequence, Time.AddSeconds(sequence),
            [new TrackState(7, TrackStatus.Confirmed, new BoundingBox(1, 2, 3, 4), 0, 42), new TrackState(8, TrackStatus.Lost, new BoundingBox(5, 6, 7, 8), null, null)],
            [Person(0)], "v1");

    public static IdentityEvent Identity(string camera, long track) =>
        new(camera, track, 42, IdentityEventKind.Merged, Time, 0.91, MergedFrom: 17);

    public static CameraNotice Notice(string camera) => new(camera, CameraNoticeKind.EndOfStream, Time, 99, "done");
}
