using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Benchmarks.Codec;

/// <summary>
/// The wire form of the pipeline's events: EventCodec's binary form (what the Kafka transport sends) against the same
/// events in Protocol Buffers (Google.Protobuf, generated from Codec/events.proto, record to message mapping included,
/// as a transport would have to) and System.Text.Json. Per event type: bytes per event, and the time of one encode plus
/// one decode. The decision it informs is written in docs/architecture.md ("Event schema").
/// </summary>
internal static class CodecBenchmark
{
    private static readonly DateTimeOffset Time = new(2026, 12, 2, 9, 30, 0, TimeSpan.FromHours(1));
    private static readonly EventCodec Binary = new();

    public static Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        var samples = new (string Name, ICameraEvent Event, int Count)[]
        {
            ("camera notice", new CameraNotice("door-1", CameraNoticeKind.EndOfStream, Time, 7_950, "end of file"), 200_000),
            ("identity event", new IdentityEvent("door-1", 1_234, 56, IdentityEventKind.Merged, Time, 0.87, 55), 200_000),
            ("6 persons, boxes and thumbnails (the default model)", Observations(6, full: false), 20_000),
            ("6 persons, every task (keypoints, parsing, attributes, 1536-d ReID)", Observations(6, full: true), 4_000),
            ("track update, 6 tracks with every task", Update(6), 4_000),
            ("768x576 raw frame", Frame(768, 576), 200),
        };
        var codecs = new (string Name, Func<ICameraEvent, byte[]> Encode, Func<ICameraEvent, byte[], ICameraEvent> Decode)[]
        {
            ("binary (EventCodec)", e => Binary.Encode(e), (e, bytes) => Binary.Decode(e.GetType(), bytes)),
            ("Protobuf", ProtoMapping.Encode, (e, bytes) => ProtoMapping.Decode(e.GetType(), bytes)),
            ("JSON", e => JsonSerializer.SerializeToUtf8Bytes(e, e.GetType()), (e, bytes) => (ICameraEvent)JsonSerializer.Deserialize(bytes, e.GetType())!),
        };
        var report = new BenchmarkReport(
            "Event codec: EventCodec's binary form against Protobuf and JSON",
            "Each case encodes one event and decodes it back, COUNT times (the rate is round trips per second); Protobuf includes the mapping between our records " +
            "and the generated messages, as a transport using it would. The baseline of each event type is the binary codec.");
        foreach (var (sample, message, count) in samples)
        {
            foreach (var (codec, encode, decode) in codecs)
            {
                string name = $"{sample}: {codec}";
                if (settings.Filter is { } filter && !name.Contains(filter, StringComparison.Ordinal))
                    continue;
                byte[] encoded = encode(message);
                var back = decode(message, encoded);
                if (!Binary.Encode(back).AsSpan().SequenceEqual(Binary.Encode(message)))
                    throw new InvalidOperationException($"{name}: the event did not survive the round trip.");
                var seconds = new List<double>();
                for (int run = 0; run < settings.Runs; run++)
                {
                    long started = Stopwatch.GetTimestamp();
                    for (int i = 0; i < count; i++)
                        decode(message, encode(message));
                    seconds.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
                }
                string baseline = $"{sample}: {codecs[0].Name}";
                report.Add(new BenchmarkCase(name, seconds, count, "round trips/s", codec == codecs[0].Name ? null : baseline,
                    string.Create(CultureInfo.InvariantCulture, $"{encoded.Length:N0} bytes per event")));
            }
        }
        return Task.FromResult(report);
    }

    private static VideoFrame Frame(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        new Random(1).NextBytes(pixels);
        return new VideoFrame("door-1", 4_321, Time, TimeSpan.FromSeconds(432.1), width, height, PixelFormat.Rgb24, pixels);
    }

    private static PersonObservations Observations(int persons, bool full) =>
        new("door-1", 4_321, Time, 768, 576, "default-cpu-r18s16", Enumerable.Range(0, persons).Select(i => Person(i, full)).ToList());

    private static TrackUpdate Update(int tracks)
    {
        var persons = Enumerable.Range(0, tracks).Select(i => Person(i, full: true)).ToList();
        var states = persons.Select(p => new TrackState(1_000 + p.DetectionIndex, TrackStatus.Confirmed, p.Box, p.DetectionIndex, p.DetectionIndex % 2 == 0 ? 77 : null)).ToList();
        return new TrackUpdate("door-1", 4_321, Time, states, persons, "default-cpu-r18s16");
    }

    private static PersonObservation Person(int index, bool full)
    {
        var random = new Random(index);
        var box = new BoundingBox(100 + (50 * index), 120, 160 + (50 * index), 300);
        byte[] thumbnail = new byte[2_500]; // a 96-pixel-high JPEG crop is 2-3 KB
        random.NextBytes(thumbnail);
        if (!full)
            return new PersonObservation(index, box, 0.91f, Thumbnail: thumbnail);
        return new PersonObservation(index, box, 0.91f,
            Enumerable.Range(0, 17).Select(j => new Keypoint(box.X1 + j, box.Y1 + (10 * j), 0.8f, j % 3 != 0)).ToList(),
            new ParsingSummary(new Dictionary<string, float> { ["UpperClothes"] = 0.31f, ["Pants"] = 0.28f, ["Face"] = 0.06f, ["Hair"] = 0.05f }, "red", "blue"),
            Enumerable.Range(0, 26).Select(a => new AttributeProbability($"attribute-{a}", (float)random.NextDouble())).ToList(),
            Enumerable.Range(0, 1536).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
            thumbnail);
    }
}
