using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>
/// A small dataset with known answers: five people on three cameras over two days, constant
/// attribute probabilities and embeddings per person (so means and cosines are exact), one
/// observation per second.
/// </summary>
public static class SeedData
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    public const int Dimensions = 64;

    public sealed record Person(string Name, float Female, float Hat, float Backpack, string Upper, string Lower, float[] Embedding);

    public sealed record Appearance(Person Person, string Camera, long Track, long? Identity, int StartSecond, int EndSecond);

    public static readonly Person P1 = new("P1", 0.9f, 0.1f, 0.8f, "red", "blue", Basis(0));
    public static readonly Person P2 = new("P2", 0.2f, 0.9f, 0.7f, "black", "black", Basis(1));
    public static readonly Person P3 = new("P3", 0.7f, 0.6f, 0.1f, "red", "black", Basis(2));
    public static readonly Person P4 = new("P4", 0.95f, 0.05f, 0.9f, "blue", "blue", Mix(0, 0.8f, 3, 0.6f));
    public static readonly Person P5 = new("P5", 0.4f, 0.2f, 0.2f, "white", "gray", Basis(4));

    public static IReadOnlyList<Appearance> Appearances { get; } =
    [
        new(P1, "cam-a", 1, 100, 0, 20),
        new(P2, "cam-a", 2, 101, 10, 40),
        new(P1, "cam-b", 1, 100, 60, 90),
        new(P3, "cam-b", 2, 102, 100, 110),
        new(P4, "cam-c", 1, 103, 3600, 3630),
        new(P5, "cam-c", 2, null, 86_400 + 100, 86_400 + 110),
    ];

    public static int ObservationCount => Appearances.Sum(a => a.EndSecond - a.StartSecond + 1);

    /// <summary>The detection score of an observation: varies so that each track has one best frame.</summary>
    public static float Score(int second) => 0.5f + 0.04f * (second % 10);

    /// <summary>One update per camera per second in which someone is visible.</summary>
    public static List<TrackUpdate> Updates(string modelVersion = "test-v1")
    {
        var updates = new List<TrackUpdate>();
        foreach (var camera in Appearances.GroupBy(a => a.Camera).OrderBy(g => g.Key))
        {
            var seconds = camera.SelectMany(a => Enumerable.Range(a.StartSecond, a.EndSecond - a.StartSecond + 1)).Distinct().Order();
            foreach (int second in seconds)
            {
                var visible = camera.Where(a => a.StartSecond <= second && second <= a.EndSecond).OrderBy(a => a.Track).ToList();
                var observations = visible.Select((a, i) => Observation(a, i, second)).ToList();
                var tracks = visible.Select((a, i) => new TrackState(a.Track, TrackStatus.Confirmed, observations[i].Box, i, a.Identity)).ToList();
                updates.Add(new TrackUpdate(camera.Key, second, T0.AddSeconds(second), tracks, observations, modelVersion));
            }
        }
        return updates;
    }

    public static PersonObservation Observation(Appearance a, int detectionIndex, int second)
    {
        var p = a.Person;
        float x = 10 + second % 50;
        return new PersonObservation(
            detectionIndex,
            new BoundingBox(x, 20, x + 40, 120),
            Score(second),
            Keypoints: [new Keypoint(x + 20, 30, 0.9f, true), new Keypoint(x + 20, 100, 0.2f, false)],
            Parsing: new ParsingSummary(new Dictionary<string, float> { ["UpperClothes"] = 0.3f, ["Pants"] = 0.25f }, p.Upper, p.Lower),
            Attributes: [new("Female", p.Female), new("Hat", p.Hat), new("Backpack", p.Backpack)],
            Embedding: p.Embedding,
            Thumbnail: Jpeg(a, second));
    }

    // A 24x48 blue JPEG made by FFmpeg (color=0x3366aa, -q:v 10).
    private static readonly byte[] s_blueJpeg = Convert.FromBase64String(
        "/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgUFBcUFxsbGxsbGyAeICEhISAgICAhISEkJCQqKiokJCQhISQkKCgqKi4vLisrKisvLzIyMjw8OTlGRkhWVmf/xABNAAEBAAAAAAAAAAAAAAAAAAAABgEBAQEAAAAAAAAAAAAAAAAAAAUGEAEAAAAAAAAAAAAAAAAAAAAAEQEAAAAAAAAAAAAAAAAAAAAA/8AAEQgAMAAYAwEiAAIRAAMRAP/aAAwDAQACEQMRAD8AnQGqQAAAAAAAAAAH/9k=");

    /// <summary>A valid JPEG whose comment segment names the track and second, so tests can tell which frame was kept.</summary>
    public static byte[] Jpeg(Appearance a, int second) =>
        [0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, (byte)a.Track, (byte)(second % 256), .. s_blueJpeg.AsSpan(2)];

    public static float[] Basis(int axis)
    {
        var v = new float[Dimensions];
        v[axis] = 1;
        return v;
    }

    private static float[] Mix(int a, float wa, int b, float wb)
    {
        var v = new float[Dimensions];
        v[a] = wa;
        v[b] = wb;
        return v;
    }
}
