using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace UniHCP.Pipeline.Ingest.Tests;

/// <summary>Runs the real ffmpeg binary for the tests: clip generation and stream servers.</summary>
internal static class FfmpegTool
{
    /// <summary>Runs ffmpeg to completion; throws with its stderr when it fails.</summary>
    public static async Task RunAsync(string arguments, CancellationToken cancellationToken = default)
    {
        using var process = Start(arguments);
        string stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg {arguments} failed ({process.ExitCode}): {stderr}");
    }

    /// <summary>Runs ffmpeg and returns everything it wrote to stdout.</summary>
    public static async Task<byte[]> OutputAsync(string arguments, CancellationToken cancellationToken = default)
    {
        using var process = Start(arguments);
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await Task.WhenAll(copy, stderr);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg {arguments} failed ({process.ExitCode}): {await stderr}");
        return stdout.ToArray();
    }

    /// <summary>Starts a long-running ffmpeg (a stream server or sender); dispose kills it. Its output
    /// is not redirected (it writes to a URL and logs errors only), so no thread waits on it.</summary>
    public static BackgroundFfmpeg StartBackground(string arguments) => new(Start(arguments, redirect: false));

    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A synthetic clip (FFmpeg's testsrc pattern) with a known size, rate and frame count.</summary>
    public static async Task<string> MakeClipAsync(string directory, string name, int width, int height, int rate, int frames, string codecArguments = "-c:v libx264 -preset ultrafast -pix_fmt yuv420p")
    {
        string path = Path.Combine(directory, name);
        await RunAsync($"-f lavfi -i testsrc=size={width}x{height}:rate={rate} -frames:v {frames} {codecArguments} -y \"{path}\"");
        return path;
    }

    private static Process Start(string arguments, bool redirect = true)
    {
        var info = new ProcessStartInfo("ffmpeg", "-hide_banner -nostdin -loglevel error " + arguments)
        {
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            UseShellExecute = false,
        };
        return Process.Start(info) ?? throw new InvalidOperationException("ffmpeg could not be started");
    }
}

internal sealed class BackgroundFfmpeg(Process process) : IDisposable
{
    public bool HasExited => process.HasExited;

    public void Kill()
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        process.Dispose();
    }
}

/// <summary>An FFmpeg sender that is started again whenever it has exited, until a condition holds.</summary>
internal sealed class RestartingFfmpeg(string arguments) : IDisposable
{
    private BackgroundFfmpeg? _current;

    public async Task KeepRunningUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            if (_current is null || _current.HasExited)
            {
                _current?.Dispose();
                _current = FfmpegTool.StartBackground(arguments);
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Kills the running sender mid-stream.</summary>
    public void Kill()
    {
        _current?.Dispose();
        _current = null;
    }

    public void Dispose() => Kill();
}
