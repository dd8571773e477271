using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Inference.Stage;
using Xunit;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Privacy: thumbnails with the head pixelated, on synthetic frames whose "face" is a fine checkerboard.</summary>
public class HeadBlurTests
{
    private const int Width = 200, Height = 300;
    private static readonly BoundingBox Person = new(50, 10, 110, 190);

    // A blue body in the box, with a 2 px black-and-white checkerboard "face" in the given rectangle.
    private static VideoFrame Frame(int faceX1, int faceY1, int faceX2, int faceY2)
    {
        var pixels = new byte[Width * Height * 3];
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                int i = ((y * Width) + x) * 3;
                bool face = x >= faceX1 && x < faceX2 && y >= faceY1 && y < faceY2;
                byte v = (byte)((((x / 2) + (y / 2)) % 2 == 0) ? 255 : 0);
                (pixels[i], pixels[i + 1], pixels[i + 2]) = face ? (v, v, v) : ((byte)40, (byte)60, (byte)200);
            }
        }
        return new VideoFrame("cam", 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, Width, Height, PixelFormat.Rgb24, pixels);
    }

    // Mean absolute difference between horizontally neighbouring pixels of a region of the decoded crop (frame
    // coordinates mapped into it): high on the checkerboard, near zero on flat colour or pixel blocks.
    private static double Detail(byte[] jpeg, double fx1, double fy1, double fx2, double fy2)
    {
        var image = ImageCodec.Decode(jpeg, "thumbnail");
        double sx = image.Width / (double)Person.Width, sy = image.Height / (double)Person.Height;
        int x1 = (int)((fx1 - Person.X1) * sx), x2 = (int)((fx2 - Person.X1) * sx), y1 = (int)((fy1 - Person.Y1) * sy), y2 = (int)((fy2 - Person.Y1) * sy);
        double sum = 0;
        int n = 0;
        for (int y = y1; y < y2; y++)
        {
            for (int x = x1; x < x2 - 1; x++)
            {
                int i = ((y * image.Width) + x) * 3;
                sum += Math.Abs(image.Pixels[i] - image.Pixels[i + 3]);
                n++;
            }
        }
        return sum / n;
    }

    [Fact]
    public void Without_keypoints_the_top_of_the_box_is_pixelated_and_the_rest_is_kept()
    {
        var frame = Frame(65, 12, 95, 45);
        var plain = Thumbnails.Crop(frame, Person, 180);
        var blurred = Thumbnails.Crop(frame, Person, 180, blurHead: true);
        Assert.True(Detail(plain, 66, 14, 94, 44) > 60, "the checkerboard face is sharp without blurring");
        Assert.True(Detail(blurred, 66, 14, 94, 44) < 15, $"the face is pixelated: {Detail(blurred, 66, 14, 94, 44):0.0}");
        var body = (Plain: ImageCodec.Decode(plain, "p").Pixels, Blurred: ImageCodec.Decode(blurred, "b").Pixels);
        int bodyStart = (int)(0.3 * 180) * ImageCodec.Decode(plain, "p").Width * 3;
        double difference = body.Plain.Skip(bodyStart).Zip(body.Blurred.Skip(bodyStart), (a, b) => Math.Abs(a - b)).Average();
        Assert.True(difference < 2, $"the body below the head is unchanged ({difference:0.00})");
    }

    [Fact]
    public void With_head_keypoints_the_head_is_pixelated_where_the_pose_puts_it()
    {
        // A person bent forward: the face is low on the left of the box, the top of the box is plain body.
        var frame = Frame(52, 80, 80, 108);
        var keypoints = new List<Keypoint>
        {
            new(66, 96, 0.9f, true), new(62, 90, 0.9f, true), new(70, 90, 0.9f, true), new(57, 93, 0.8f, true), new(76, 93, 0.8f, true),
            new(60, 115, 0.9f, true), new(90, 112, 0.9f, true),
        };
        keypoints.AddRange(Enumerable.Repeat(new Keypoint(0, 0, 0, false), 10));
        var region = HeadRegion.Find(Person, keypoints);
        Assert.True(region.X1 <= 53 && region.X2 >= 79 && region.Y1 <= 81 && region.Y2 >= 107, $"the region {region} holds the face");
        var blurred = Thumbnails.Crop(frame, Person, 180, blurHead: true, keypoints: keypoints);
        Assert.True(Detail(Thumbnails.Crop(frame, Person, 180), 54, 82, 78, 106) > 60);
        Assert.True(Detail(blurred, 54, 82, 78, 106) < 15, $"the face is pixelated: {Detail(blurred, 54, 82, 78, 106):0.0}");
        // Unseen head points fall back to the top of the box.
        var unseen = keypoints.Select((k, i) => i < 5 ? k with { Visible = false } : k).ToList();
        Assert.Equal(Person with { Y2 = Person.Y1 + (Person.Height * 0.22f) }, HeadRegion.Find(Person, unseen));
    }
}
