using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Inference.Stage;
using Xunit;

namespace UniHCP.Pipeline.Inference.Tests;

public class CameraSnapshotTakerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static VideoFrame Frame(string camera, long sequence, DateTimeOffset time)
    {
        var pixels = new byte[64 * 48 * 3];
        for (int i = 0; i < pixels.Length; i += 3)
            pixels[i] = 200; // red
        return new VideoFrame(camera, sequence, time, TimeSpan.Zero, 64, 48, PixelFormat.Rgb24, pixels);
    }

    [Fact]
    public void Each_camera_gets_its_first_frame_and_then_one_per_interval_of_capture_time_as_a_jpeg_of_the_whole_frame()
    {
        var taker = new CameraSnapshotTaker(TimeSpan.FromSeconds(10));
        var taken = new List<(string Camera, long Sequence)>();
        for (int f = 0; f < 250; f++)
        {
            foreach (string camera in new[] { "a", "b" })
            {
                var frame = Frame(camera, f, Start.AddTicks(f * TimeSpan.TicksPerSecond / 10));
                if (taker.Take(frame) is { } jpeg)
                {
                    taken.Add((camera, f));
                    var image = ImageCodec.Decode(jpeg, "snapshot");
                    Assert.Equal((64, 48), (image.Width, image.Height));
                    Assert.True(image.Pixels[0] > 150 && image.Pixels[1] < 60, "the frame's colours survive");
                }
            }
        }
        Assert.Equal([("a", 0L), ("b", 0L), ("a", 100L), ("b", 100L), ("a", 200L), ("b", 200L)], taken);
        // A file analysed again starts at an earlier capture time: its first frame is a new snapshot.
        Assert.NotNull(taker.Take(Frame("a", 0, Start.AddSeconds(-60))));
    }
}
