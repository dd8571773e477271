using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>
/// `unihcp ingest`: decodes the configured sources through the real ingest stage and in-process
/// transport, and prints per-camera frame counts, sizes and decode rates.
/// </summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var sources = new Option<string[]>("--source", "-s")
        {
            Description = "A video file, rtsp:// or http(s):// URL, optionally as ID=LOCATION. Repeat for several cameras. " +
                "Default: the cameras in the configuration (Ingest:Cameras), else Ingest:DefaultSource (the set-up's sample video).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var rate = new Option<double?>("--rate") { Description = "Frames per second to sample from every camera (default: every frame)." };
        var width = new Option<int?>("--width") { Description = "Resize frames to this width in pixels (height follows the aspect ratio unless --height is given)." };
        var height = new Option<int?>("--height") { Description = "Resize frames to this height in pixels." };
        var duration = CommonOptions.Duration();

        var command = new Command("ingest", "Decode camera sources to frames and print per-camera frame counts and decode rates.")
        {
            sources, rate, width, height, duration,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(CommonOptions.Config),
            parse.GetValue(sources) ?? [],
            parse.GetValue(rate),
            parse.GetValue(width),
            parse.GetValue(height),
            parse.GetValue(duration),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        FileInfo? configFile, string[] sourceValues, double? rate, int? width, int? height, TimeSpan? duration,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        IReadOnlyList<CameraSource> sources;
        IngestOptions options;
        Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
        try
        {
            configuration = ConfigurationLoader.Load(configFile, []);
            (sources, options) = CameraSources.Build(configuration, sourceValues, rate, width, height);
        }
        catch (Exception ex) when (ex is ConfigurationFileException or OptionsValidationException or FileNotFoundException)
        {
            return ErrorReporter.BadInput(error, ex);
        }

        using var loggerFactory = CliLogging.Create(configuration);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } limit)
            stop.CancelAfter(limit);

        await using var transport = new InProcessTransport();
        var subscription = transport.Subscribe(Topics.Frames, "cli-ingest");
        var publisher = transport.CreatePublisher(Topics.Frames);
        var counter = new FrameCounter();
        // The consumer is not cancelled: it drains until ingest completes the topic.
        var consuming = Task.Run(() => counter.ConsumeAsync(subscription), CancellationToken.None);
        using var progress = ProgressLine.Start(() => counter.Describe());

        var started = Stopwatch.GetTimestamp();
        var reports = await new IngestStage(sources, loggerFactory, options.FfmpegFolder).RunAsync(publisher, stop.Token);
        await consuming;
        progress.Stop();
        var elapsed = Stopwatch.GetElapsedTime(started);

        IngestSummary.Write(output, reports, transport.GetStatistics(), elapsed);
        if (cancellationToken.IsCancellationRequested)
            return ExitCodes.Interrupted;
        return reports.Any(r => r.Status == CameraIngestStatus.Failed) ? ExitCodes.PartialFailure : ExitCodes.Success;
    }

    /// <summary>Counts what arrives on the frames topic, per camera.</summary>
    private sealed class FrameCounter
    {
        private readonly Dictionary<string, long> _frames = new(StringComparer.Ordinal);
        private readonly Lock _sync = new();
        private readonly long _started = Stopwatch.GetTimestamp();

        public async Task ConsumeAsync(ITopicSubscription<VideoFrame> subscription)
        {
            await foreach (var delivery in subscription.ReadAllAsync(CancellationToken.None))
            {
                if (!delivery.IsNotice)
                {
                    lock (_sync)
                        _frames[delivery.CameraId] = _frames.GetValueOrDefault(delivery.CameraId) + 1;
                }
                subscription.Acknowledge(delivery);
            }
        }

        public string Describe()
        {
            double seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            lock (_sync)
            {
                long total = _frames.Values.Sum();
                return $"{total} frames from {_frames.Count} camera(s) in {seconds:0.0} s ({total / Math.Max(seconds, 1e-3):0.0} frames/s)";
            }
        }
    }
}
