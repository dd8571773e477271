using System.Globalization;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>What the model benchmarks share: the sample video's frames as the pipeline carries them, and a case
/// reported per frame.</summary>
internal static class SampleFrames
{
    /// <summary>Frames <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 of the sample video.</summary>
    public static async Task<List<VideoFrame>> ReadAsync(int first, int count)
    {
        var decoded = await VideoFrames.ReadAsync(SampleVideo.Locate(), i => i >= first && i < first + count);
        return decoded.Select(f => new VideoFrame("sample", f.Index, DateTimeOffset.UnixEpoch, TimeSpan.Zero, f.Width, f.Height, PixelFormat.Rgb24, f.Rgb)).ToList();
    }

    /// <summary>A case over <paramref name="frames"/> frames, noted with its median time per frame.</summary>
    public static BenchmarkCase PerFrame(string name, List<double> seconds, int frames, string? baseline)
    {
        double median = seconds.Order().ElementAt(seconds.Count / 2);
        return new BenchmarkCase(name, seconds, frames, "frames/s", baseline,
            string.Create(CultureInfo.InvariantCulture, $"{median / frames * 1000:0.0} ms per frame"));
    }
}
