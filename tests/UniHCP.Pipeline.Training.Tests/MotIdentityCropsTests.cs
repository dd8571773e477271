using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>ReID crops from a MOTChallenge sequence folder (a small one written here: ../shared/data's MOT17 has no images).</summary>
public sealed class MotIdentityCropsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-mot-reid-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Visible_pedestrians_of_every_fifth_frame_become_crops_of_their_track_identity()
    {
        WriteSequence(frames: 20);

        var crops = MotIdentityCrops.Read(_dir);

        // Frames 1, 6, 11, 16; tracks 7 and 9 (track 11 is 10 % visible, track 13 is not a pedestrian).
        Assert.Equal([1L, 1, 6, 6, 11, 11, 16, 16], crops.Select(c => c.Frame));
        Assert.Equal([0, 1], crops.Select(c => c.Identity).Distinct().Order());
        foreach (var crop in crops)
        {
            Assert.Equal((20f, 40f), (crop.Box.Width, crop.Box.Height));
            var (r, g, b) = Pixel(crop.Image, (int)(crop.Box.X1 + 10), (int)(crop.Box.Y1 + 20));
            // Track 7 (identity 0) is painted red, track 9 (identity 1) blue: the box still frames its own person.
            Assert.True(crop.Identity == 0 ? r > 200 && b < 60 : b > 200 && r < 60, $"identity {crop.Identity} at frame {crop.Frame}: ({r}, {g}, {b})");
        }
    }

    [Fact]
    public void A_frame_whose_image_is_missing_is_named()
    {
        WriteSequence(frames: 20);
        File.Delete(Path.Combine(_dir, "img1", "000006.jpg"));

        var error = Assert.Throws<DatasetFormatException>(() => MotIdentityCrops.Read(_dir));

        Assert.Contains("frame 6 has boxes but its image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_fifth_identity_is_held_out_and_split_in_time_for_query_and_gallery()
    {
        var image = new RgbImage(1, 1, new byte[3]);
        var crops = Enumerable.Range(0, 6).SelectMany(id => Enumerable.Range(0, 4).Select(f => new IdentityCrop(f * 10, image, new(0, 0, 1, 1), id * 3))).ToList();

        var (train, validation) = HeldOut.Identities(crops);

        Assert.Equal([0, 1, 2, 3, 4], train.Select(c => c.Identity).Distinct().Order());
        Assert.Equal(20, train.Count);
        Assert.Equal([12], validation.Select(c => c.Identity).Distinct());
        Assert.Equal([0L, 0, 1, 1], validation.Select(c => c.Frame));
    }

    private static (byte, byte, byte) Pixel(RgbImage image, int x, int y) =>
        (image.Pixels[((y * image.Width) + x) * 3], image.Pixels[(((y * image.Width) + x) * 3) + 1], image.Pixels[(((y * image.Width) + x) * 3) + 2]);

    private void WriteSequence(int frames)
    {
        File.WriteAllText(Path.Combine(_dir, "seqinfo.ini"), $"[Sequence]\nname=TEST-01\nimDir=img1\nframeRate=25\nseqLength={frames}\nimWidth=160\nimHeight=120\nimExt=.jpg\n");
        Directory.CreateDirectory(Path.Combine(_dir, "gt"));
        Directory.CreateDirectory(Path.Combine(_dir, "img1"));
        var lines = new List<string>();
        for (int f = 1; f <= frames; f++)
        {
            int x7 = 10 + f, x9 = 100 - f;
            lines.Add($"{f},7,{x7},30,20,40,1,1,1.0");
            lines.Add($"{f},9,{x9},50,20,40,1,1,0.8");
            lines.Add($"{f},11,60,10,20,40,1,1,0.1");
            lines.Add($"{f},13,60,70,20,40,1,3,1.0");
            var pixels = Enumerable.Repeat((byte)128, 160 * 120 * 3).ToArray();
            Paint(pixels, x7, 30, (255, 0, 0));
            Paint(pixels, x9, 50, (0, 0, 255));
            File.WriteAllBytes(Path.Combine(_dir, "img1", $"{f:D6}.jpg"), ImageCodec.EncodeJpeg(new RgbImage(160, 120, pixels), quality: 95));
        }
        File.WriteAllLines(Path.Combine(_dir, "gt", "gt.txt"), lines);
    }

    private static void Paint(byte[] pixels, int x1, int y1, (byte R, byte G, byte B) colour)
    {
        for (int y = y1; y < y1 + 40; y++)
        {
            for (int x = x1; x < x1 + 20; x++)
                (pixels[((y * 160) + x) * 3], pixels[(((y * 160) + x) * 3) + 1], pixels[(((y * 160) + x) * 3) + 2]) = colour;
        }
    }
}
