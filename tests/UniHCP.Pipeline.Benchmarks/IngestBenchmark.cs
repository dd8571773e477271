using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Ingest.Configuration;
using UniHCP.Pipeline.Ingest.Decoding;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// Decode throughput of the sample video at native size and at 640 wide, against FFmpeg decoding
/// the same frames to /dev/null (the baseline), plus the in-process bus's cost per frame.
/// Cases run interleaved (one of each per round) so that machine noise hits them alike.
/// </summary>
internal static class IngestBenchmark
{
    private const int BusFrames = 20_000;

    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        string video = SampleVideo.Locate();
        var report = new BenchmarkReport(
            "Ingest: decode throughput and bus overhead",
            "Debian's vtest.avi (795 frames, 768x576, msmpeg4v3). Baseline: `ffmpeg -i vtest.avi [-vf scale] -f rawvideo -pix_fmt rgb24 -y /dev/null`, " +
            "the same decoding and conversion with nowhere to send the frames. \"RGB through a pipe\" is the plain design we did not keep: FFmpeg converts to RGB " +
            "and we read it through a 1 MiB pipe into one reused buffer (no allocation, no work). \"decoder\" is ours: FFmpeg sends YUV 4:2:0 (half the bytes) and we convert " +
            "to RGB on the other core into a new array per frame; \"ingest\" is the whole stage (probe, decode, timestamps, publish) over the in-process transport to a " +
            "consumer, as `unihcp ingest` runs it.");

        var native = Source(video, width: null);
        var scaled = Source(video, width: 640);
        var cases = new (string Name, string? Baseline, double Items, string Unit, string Note, Func<Task> Run)[]
        {
            ("ffmpeg to /dev/null, 768x576", null, 795, "frames/s", "baseline", () => RawFfmpegAsync(native, toDevNull: true)),
            ("RGB through a pipe, 768x576", "ffmpeg to /dev/null, 768x576", 795, "frames/s", "FFmpeg RGB -> 1 MiB pipe -> reused buffer", () => RawFfmpegAsync(native, toDevNull: false)),
            ("decoder, 768x576", "ffmpeg to /dev/null, 768x576", 795, "frames/s", "ours: YUV through the pipe, RGB made on our core", () => DecoderAsync(native)),
            ("ingest, 768x576", "ffmpeg to /dev/null, 768x576", 795, "frames/s", "IngestStage + InProcessTransport + consumer", () => IngestAsync(native)),
            ("ffmpeg to /dev/null, 640x480", null, 795, "frames/s", "baseline (area scaling)", () => RawFfmpegAsync(scaled, toDevNull: true)),
            ("RGB through a pipe, 640x480", "ffmpeg to /dev/null, 640x480", 795, "frames/s", "FFmpeg RGB -> 1 MiB pipe -> reused buffer", () => RawFfmpegAsync(scaled, toDevNull: false)),
            ("ingest, 640x480", "ffmpeg to /dev/null, 640x480", 795, "frames/s", "IngestStage + InProcessTransport + consumer", () => IngestAsync(scaled)),
            ("bus, 20000 frames", null, BusFrames, "frames/s", "publish + consume through one lane (capacity 16)", () => BusAsync()),
        };

        foreach (var c in cases)
            await c.Run(); // warm-up: JIT, page cache, FFmpeg libraries
        var samples = cases.ToDictionary(c => c.Name, _ => new List<double>());
        for (int round = 0; round < settings.Runs; round++)
        {
            foreach (var c in cases)
            {
                long start = Stopwatch.GetTimestamp();
                await c.Run();
                samples[c.Name].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            Console.Error.WriteLine($"round {round + 1}/{settings.Runs} done");
        }
        foreach (var c in cases)
            report.Add(new BenchmarkCase(c.Name, samples[c.Name], c.Items, c.Unit, c.Baseline, c.Note));

        double perFrameFfmpeg = report.Get("ffmpeg to /dev/null, 768x576").Median / 795;
        double perFrameBus = report.Get("bus, 20000 frames").Median / BusFrames;
        report.Note(string.Create(CultureInfo.InvariantCulture,
            $"Bus overhead per frame: {perFrameBus * 1e6:0.00} us, which is {perFrameBus / perFrameFfmpeg * 100:0.00} % of FFmpeg's own time per 768x576 frame ({perFrameFfmpeg * 1e3:0.000} ms)."));
        return report;
    }

    private static CameraSource Source(string video, int? width) =>
        IngestOptionsValidator.BuildSources(new IngestOptions { Cameras = [new CameraOptions { Id = "bench", Source = video, Width = width }] })[0];

    private static async Task RawFfmpegAsync(CameraSource source, bool toDevNull)
    {
        string output = toDevNull ? "-f rawvideo -pix_fmt rgb24 -y /dev/null" : "-f rawvideo -pix_fmt rgb24 pipe:1";
        var info = new ProcessStartInfo("ffmpeg", $"-hide_banner -nostdin -loglevel error -i \"{source.Location}\" {FfmpegDecoder.OutputArguments(source)} {output}")
        {
            RedirectStandardOutput = !toDevNull,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        if (!toDevNull)
        {
            var stdout = process.StandardOutput.BaseStream;
            PipeBuffer.TryEnlarge(stdout, 1 << 20);
            var buffer = new byte[4 << 20];
            while (stdout.Read(buffer) > 0)
            {
            }
        }
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg failed with {process.ExitCode}");
    }

    private static async Task DecoderAsync(CameraSource source)
    {
        var outcome = await new FfmpegDecoder(null).DecodeAsync(source, _ => ValueTask.CompletedTask, CancellationToken.None);
        if (outcome.Frames != 795)
            throw new InvalidOperationException($"decoded {outcome.Frames} frames: {outcome.Error}");
    }

    private static async Task IngestAsync(CameraSource source)
    {
        await using var bus = new InProcessTransport();
        var subscription = bus.Subscribe(Topics.Frames, "bench");
        var publisher = bus.CreatePublisher(Topics.Frames);
        var consume = Task.Run(async () =>
        {
            long frames = 0;
            await foreach (var delivery in subscription.ReadAllAsync(CancellationToken.None))
            {
                if (!delivery.IsNotice)
                    frames++;
            }
            return frames;
        });
        await new IngestStage([source], NullLoggerFactory.Instance).RunAsync(publisher, CancellationToken.None);
        long received = await consume;
        if (received != 795)
            throw new InvalidOperationException($"received {received} frames");
    }

    private static async Task BusAsync()
    {
        await using var bus = new InProcessTransport();
        var subscription = bus.Subscribe(Topics.Frames, "bench");
        var publisher = bus.CreatePublisher(Topics.Frames);
        var pixels = new byte[768 * 576 * 3];
        var consume = Task.Run(async () =>
        {
            long frames = 0;
            await foreach (var delivery in subscription.ReadAllAsync(CancellationToken.None))
                frames += delivery.IsNotice ? 0 : 1;
            return frames;
        });
        for (int i = 0; i < BusFrames; i++)
        {
            var frame = new VideoFrame("bench", i, DateTimeOffset.UnixEpoch, TimeSpan.Zero, 768, 576, PixelFormat.Rgb24, pixels);
            await publisher.PublishAsync(frame, OverflowPolicy.Wait, CancellationToken.None);
        }
        publisher.Complete();
        if (await consume != BusFrames)
            throw new InvalidOperationException("bus lost frames");
    }
}
