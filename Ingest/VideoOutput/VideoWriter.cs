using System.Diagnostics;
using System.Globalization;

namespace UniHCP.Pipeline.Ingest.VideoOutput;

/// <summary>Encodes RGBA frames into a video file with the real ffmpeg (H.264 in .mp4/.mkv, MPEG-4 Part 2 otherwise): the
/// ingest layer's FFmpeg, from the same folder as the decoder's (Ingest:FfmpegFolder, else PATH).</summary>
public sealed class VideoWriter : IAsyncDisposable
{
    private readonly Process _ffmpeg;
    private readonly Stream _input;
    private readonly Task<string> _errors;
    private readonly int _frameBytes;

    public VideoWriter(string path, int width, int height, double framesPerSecond, string? ffmpegFolder = null)
    {
        _frameBytes = width * height * 4;
        string extension = Path.GetExtension(path).ToLowerInvariant();
        string codec = extension is ".mp4" or ".mkv" or ".mov" ? "-c:v libx264 -preset veryfast -crf 23" : "-c:v mpeg4 -q:v 3";
        var start = new ProcessStartInfo(Decoding.FfmpegDecoder.Binary(ffmpegFolder),
            string.Create(CultureInfo.InvariantCulture, $"-hide_banner -nostdin -loglevel error -y -f rawvideo -pix_fmt rgba -s {width}x{height} -r {framesPerSecond:0.###} -i - {codec} -pix_fmt yuv420p \"{path}\""))
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _ffmpeg = Process.Start(start) ?? throw new InvalidOperationException("no process was started");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException($"FFmpeg could not be started ('{start.FileName}': {ex.Message}); install it (apt-get install ffmpeg) or set Ingest:FfmpegFolder.", ex);
        }
        _input = _ffmpeg.StandardInput.BaseStream;
        _errors = _ffmpeg.StandardError.ReadToEndAsync();
    }

    public async Task WriteAsync(byte[] rgba, CancellationToken cancellationToken)
    {
        if (rgba.Length != _frameBytes)
            throw new ArgumentException($"A frame of {rgba.Length} bytes does not fit the video's {_frameBytes}.");
        try
        {
            await _input.WriteAsync(rgba, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            throw new IOException("ffmpeg stopped taking frames: " + await _errors.ConfigureAwait(false));
        }
    }

    /// <summary>Closes the input and waits for ffmpeg to finish the file; throws with ffmpeg's message if it failed.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _input.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // ffmpeg already exited; its message is reported below.
        }
        await _ffmpeg.WaitForExitAsync().ConfigureAwait(false);
        string errors = await _errors.ConfigureAwait(false);
        int code = _ffmpeg.ExitCode;
        _ffmpeg.Dispose();
        if (code != 0)
            throw new IOException($"ffmpeg could not write the video (exit {code}): {errors.Trim()}");
    }
}
