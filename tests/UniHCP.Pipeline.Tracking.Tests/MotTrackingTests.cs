using System.Globalization;
using UniHCP.Pipeline.Tracking.Mot;

namespace UniHCP.Pipeline.Tracking.Tests;

public sealed class MotTrackingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mottracking-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    // A 30 frames/s, 640 x 480 sequence whose det.txt has the given rows (frame, x, y, w, h).
    private MotSequence Sequence(IEnumerable<(int Frame, float X, float Y, float W, float H)> detections, int frames = 30)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "det"));
        File.WriteAllText(Path.Combine(_dir, "seqinfo.ini"), $"[Sequence]\nname=test\nframeRate=30\nseqLength={frames}\nimWidth=640\nimHeight=480\n");
        File.WriteAllLines(Path.Combine(_dir, "det", "det.txt"), detections.Select(d =>
            string.Create(CultureInfo.InvariantCulture, $"{d.Frame},-1,{d.X},{d.Y},{d.W},{d.H},1,-1,-1,-1")));
        return MotSequence.Open(_dir);
    }

    // A standing person at x = 300 throughout; a walker at 4 px/frame from x = 200 whose detection is missing
    // on frames 16-20 - either behind the standing person or, with occluded false, far away in the open.
    private MotSequence Scene(bool occluded) => Sequence(Enumerable.Range(1, 30).SelectMany(f =>
    {
        var rows = new List<(int, float, float, float, float)> { (f, 300, 100, 60, 150) };
        if (f is < 16 or > 20)
            rows.Add((f, 200 + (4 * f), occluded ? 110 : 300, 50, 140));
        return rows;
    }));

    [Fact]
    public void An_occluded_track_is_written_at_its_prediction_and_keeps_its_id()
    {
        var rows = MotTracking.Run(Scene(occluded: true)).Rows;
        var walker = rows.Where(r => r.Frame == 10 && r.X < 290).Select(r => r.Id).Single();
        Assert.Equal(30, rows.Count(r => r.Id == walker));
        var hidden = rows.Where(r => r.Id == walker && r.Frame is >= 16 and <= 20).ToList();
        Assert.Equal(5, hidden.Count);
        Assert.All(hidden, r => Assert.InRange(r.X, 200 + (4 * r.Frame) - 5, 200 + (4 * r.Frame) + 5));
    }

    [Fact]
    public void A_track_missed_in_the_open_is_not_written_until_found_again()
    {
        var rows = MotTracking.Run(Scene(occluded: false)).Rows;
        var walker = rows.Where(r => r.Frame == 10 && r.Y > 250).Select(r => r.Id).Single();
        Assert.Equal(25, rows.Count(r => r.Id == walker));
    }

    [Fact]
    public void Without_prediction_only_matched_tracks_are_written()
    {
        var rows = MotTracking.Run(Scene(occluded: true), output: new MotOutputOptions { PredictedFor = TimeSpan.Zero }).Rows;
        Assert.Equal(30 + 25, rows.Count);
    }

    [Fact]
    public void Invalid_output_options_are_rejected() =>
        Assert.Throws<ArgumentException>(() => new MotOutputOptions { PredictedMinCover = 2 }.Validate());
}
