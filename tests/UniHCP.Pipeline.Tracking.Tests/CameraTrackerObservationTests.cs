using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Tracking.Tests;

/// <summary>The OC-SORT options (off by default) keep the tracker's basic promises.</summary>
public sealed class CameraTrackerObservationTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static TrackerDetection Person(int index, float x, float y) => new(index, new BoundingBox(x, y, x + 40, y + 100), 0.9f, null);

    public static TheoryData<TrackerOptions> Variants => new()
    {
        new TrackerOptions { ObservationReupdate = true },
        new TrackerOptions { ObservationRecovery = true },
        new TrackerOptions { DirectionWeight = 0.2 },
        new TrackerOptions { ObservationReupdate = true, ObservationRecovery = true, DirectionWeight = 0.2, NoiseFrameRate = 0 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Two_walkers_keep_their_ids_through_a_gap(TrackerOptions options)
    {
        var tracker = new CameraTracker("cam", options);
        var ids = new Dictionary<int, long>();
        for (int f = 0; f < 40; f++)
        {
            var detections = f is >= 12 and < 18 ? [] : new[] { Person(0, 10 + (6 * f), 50), Person(1, 600 - (5 * f), 300) };
            foreach (var s in tracker.Update(s_start + TimeSpan.FromSeconds(f / 10.0), detections))
            {
                if (s.DetectionIndex is { } i && s.Status == TrackStatus.Confirmed)
                    Assert.Equal(ids.TryAdd(i, s.TrackId) ? s.TrackId : ids[i], s.TrackId);
            }
        }
        Assert.Equal(2, ids.Count);
        Assert.Equal(2, tracker.Tracks.Count);
    }

    [Theory]
    [InlineData(-0.1, 3, 30)]
    [InlineData(1.5, 3, 30)]
    [InlineData(0.2, 0, 30)]
    [InlineData(0.2, 3, -1)]
    public void Invalid_settings_are_rejected(double directionWeight, int directionFrames, double noiseFrameRate) =>
        Assert.Throws<ArgumentException>(() => new TrackerOptions { DirectionWeight = directionWeight, DirectionFrames = directionFrames, NoiseFrameRate = noiseFrameRate }.Validate());
}
