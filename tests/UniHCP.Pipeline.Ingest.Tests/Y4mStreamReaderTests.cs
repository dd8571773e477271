using System.Text;
using UniHCP.Pipeline.Ingest.Decoding;

namespace UniHCP.Pipeline.Ingest.Tests;

public sealed class Y4mStreamReaderTests
{
    [Fact]
    public void Frames_are_read_and_converted_from_the_stream_header_size()
    {
        var stream = new MemoryStream();
        Write(stream, "YUV4MPEG2 W2 H2 F10:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n");
        Write(stream, "FRAME\n", [16, 16, 16, 16, 128, 128]);        // black
        Write(stream, "FRAME Ixyz\n", [235, 235, 235, 235, 128, 128]); // white, with a frame parameter
        stream.Position = 0;
        var reader = new Y4mStreamReader(stream, maxDimension: 16);

        var black = reader.ReadFrame();
        var white = reader.ReadFrame();
        var end = reader.ReadFrame();

        Assert.Equal((2, 2), (black!.Value.Width, black.Value.Height));
        Assert.All(black.Value.Pixels, b => Assert.Equal(0, b));
        Assert.All(white!.Value.Pixels, b => Assert.Equal(255, b));
        Assert.Equal(12, white.Value.Pixels.Length);
        Assert.Null(end);
    }

    [Theory]
    [InlineData("YUV4MPEG2 W2 H2 C444\nFRAME\n", 0, "colour space '444' is not 4:2:0")]
    [InlineData("P6\n2 2\n255\n", 0, "expected a 'YUV4MPEG2' stream header, found 'P6'")]
    [InlineData("YUV4MPEG2 W99999 H2\nFRAME\n", 0, "outside 1..16")]
    [InlineData("YUV4MPEG2 Wide H2\nFRAME\n", 0, "width 'ide' is not a number")]
    [InlineData("YUV4MPEG2 W2 H2\nFRAMX\n", 6, "expected a 'FRAME' header, found 'FRAMX'")]
    [InlineData("YUV4MPEG2 W2 H2\nFRAME\n", 5, "stream ended inside the frame after 5 of 6 bytes")]
    [InlineData("YUV4MPEG2 W2 H2", 0, "stream ended inside a header")]
    public void Malformed_output_is_reported_with_what_is_wrong(string header, int payload, string message)
    {
        var stream = new MemoryStream();
        Write(stream, header, new byte[payload]);
        stream.Position = 0;
        var reader = new Y4mStreamReader(stream, maxDimension: 16);

        var error = Assert.Throws<InvalidDataException>(() => reader.ReadFrame());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static void Write(Stream stream, string header, byte[]? payload = null)
    {
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(payload ?? []);
    }
}
