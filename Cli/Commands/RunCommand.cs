using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Hosting;
using UniHCP.Pipeline.Hosting.Stages;
using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>
/// `unihcp run`: the main job. Every stage in this process (ingest, inference, tracking, identities, store) on the
/// pipeline host, joined in-process (the default) or over Kafka; a progress line and a closing summary.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var sources = new Option<string[]>("--source", "-s")
        {
            Description = "A video file, rtsp:// or http(s):// URL, optionally as ID=LOCATION. Repeat for several cameras. " +
                "Default: Ingest:Cameras from the configuration, else Ingest:DefaultSource (the set-up's sample video).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var rate = new Option<double?>("--rate") { Description = "Frames per second to sample from every camera (default: every frame)." };
        var width = new Option<int?>("--width") { Description = "Resize frames to this width in pixels (height follows the aspect ratio)." };
        var duration = CommonOptions.Duration();
        var transport = new Option<string?>("--transport") { Description = "in-process (default) or kafka: every stage in this process, over the broker (Pipeline:Transport)." };
        transport.AcceptOnlyFromAmong("in-process", "kafka");
        var bootstrap = new Option<string?>("--bootstrap") { Description = "Kafka brokers (host:port,...), or 'mock' for librdkafka's in-process mock cluster (Kafka:BootstrapServers; default mock with --transport kafka)." };

        var command = new Command("run", "Analyse camera sources end to end into PostgreSQL (default: the sample video) and print a summary.")
        {
            sources, rate, width, duration, transport, bootstrap, PipelineArguments.Partitions, PipelineArguments.JpegQuality,
        };
        foreach (var option in PipelineArguments.Inference.Concat(PipelineArguments.Observability))
            command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
            IReadOnlyList<Ingest.Configuration.CameraOptions> cameras;
            try
            {
                var overrides = PipelineArguments.Overrides(parse);
                if (parse.GetValue(transport) == "kafka")
                {
                    overrides["Pipeline:Transport"] = "Kafka";
                    overrides["Kafka:BootstrapServers"] = parse.GetValue(bootstrap) ?? "mock";
                }
                configuration = ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), overrides);
                cameras = CameraSources.Build(configuration, parse.GetValue(sources) ?? [], parse.GetValue(rate), parse.GetValue(width), null).Options.Cameras;
            }
            catch (Exception ex) when (ex is ConfigurationFileException or OptionsValidationException or ArgumentException or FileNotFoundException)
            {
                return ErrorReporter.BadInput(error, ex);
            }

            if (HostedRun.TryBuild(() => PipelineHost.Build(configuration, services => services.AddAllStages(cameras), logging => CliLogging.Configure(logging, configuration)), error, out var built) is { } notBuilt)
                return notBuilt;
            using var host = built!;
            if (await HostedRun.TryStartAsync(host, error, cancellationToken) is { } failed)
                return failed;
            var run = RunView.Of(host);
            output.WriteLine($"transport: {host.Services.GetRequiredService<PipelineTransport>().Description}");
            foreach (string address in PipelineHost.HttpAddresses(host))
                output.WriteLine($"http: {address}/metrics {address}/healthz");
            var engine = run.Inference.Engine!;
            output.WriteLine($"weights {engine.ModelVersion} ({run.Inference.WeightsPath}); tasks: {string.Join(", ", ["detection", .. engine.CropTasks.Select(t => t.Name)])}; " +
                $"detection input short side {engine.DetectionResize.ShortSide} (long side at most {engine.DetectionResize.MaxLongSide})");
            UntrainedTasks.Warn(output, engine);

            RunEnd end;
            using (var progress = ProgressLine.Start(run.Describe))
            {
                var stall = TimeSpan.FromSeconds(host.Services.GetRequiredService<IOptions<UniHCP.Pipeline.Hosting.Options.PipelineOptions>>().Value.DrainStallSeconds);
                end = await HostedRun.RunToEndAsync(host, error, parse.GetValue(duration), cancellationToken, run.Describe, stall);
                progress.Stop();
            }
            if (end != RunEnd.Drained)
            {
                error.WriteLine("aborted: what was not yet committed was not stored");
                return end == RunEnd.Stalled ? ExitCodes.PartialFailure : ExitCodes.Interrupted;
            }
            var result = run.Result();
            RunSummary.Write(output, result, StoreConnection.Options(configuration));
            if (result.Failure is not null)
            {
                error.WriteLine($"error: {result.Failure.Message}");
                return ExitCodes.PartialFailure;
            }
            if (cancellationToken.IsCancellationRequested)
                return ExitCodes.Interrupted;
            return result.Cameras.Any(c => c.Status == CameraIngestStatus.Failed) ? ExitCodes.PartialFailure : ExitCodes.Success;
        });
        return command;
    }
}
