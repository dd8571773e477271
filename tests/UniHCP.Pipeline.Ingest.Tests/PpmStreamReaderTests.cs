using System.Text;
using UniHCP.Pipeline.Ingest.Decoding;

namespace UniHCP.Pipeline.Ingest.Tests;

public sealed class PpmStreamReaderTests
{
    [Fact]
    public async Task Frames_with_comments_and_varied_whitespace_are_read_exactly()
    {
        var stream = new MemoryStream();
        Write(stream, "P6\n2 1\n255\n", [1, 2, 3, 4, 5, 6]);
        Write(stream, "P6 # a comment\n 1\t2 255\n", [7, 8, 9, 10, 11, 12]);
        stream.Position = 0;
        var reader = new PpmStreamReader(stream, maxDimension: 16);

        var first = await reader.ReadFrameAsync(default);
        var second = await reader.ReadFrameAsync(default);
        var end = await reader.ReadFrameAsync(default);

        Assert.Equal((2, 1), (first!.Value.Width, first.Value.Height));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, first.Value.Pixels);
        Assert.Equal((1, 2), (second!.Value.Width, second.Value.Height));
        Assert.Equal(new byte[] { 7, 8, 9, 10, 11, 12 }, second.Value.Pixels);
        Assert.Null(end);
    }

    [Theory]
    [InlineData("P5\n1 1\n255\n", 1, "expected a PPM 'P6' header, found 'P5'")]
    [InlineData("P6\n1 1\n65535\n", 6, "only 8-bit PPM")]
    [InlineData("P6\n99999 1\n255\n", 3, "outside 1..16")]
    [InlineData("P6\nwide 1\n255\n", 3, "width 'wide' is not a number")]
    [InlineData("P6\n2 2\n255\n", 5, "stream ended inside the frame after 5 of 12 bytes")]
    [InlineData("P6\n2 2", 0, "stream ended inside a PPM header")]
    public async Task Malformed_output_is_reported_with_what_is_wrong(string header, int payload, string message)
    {
        var stream = new MemoryStream();
        Write(stream, header, new byte[payload]);
        stream.Position = 0;
        var reader = new PpmStreamReader(stream, maxDimension: 16);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => reader.ReadFrameAsync(default).AsTask());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static void Write(Stream stream, string header, byte[] payload)
    {
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(payload);
    }
}
