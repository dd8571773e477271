using System.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Inference.Stage;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Tracking.CrossCamera;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>
/// `unihcp run`: the main job. Analyses the sources (default: the sample video) end to end on the embedded
/// pipeline - detection, pose, parsing, attributes and ReID by the one model, tracks and identities, all stored in
/// PostgreSQL - with a progress line and a closing summary.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var sources = new Option<string[]>("--source", "-s")
        {
            Description = "A video file, rtsp:// or http(s):// URL, optionally as ID=LOCATION. Repeat for several cameras. " +
                "Default: Ingest:Cameras from the configuration, else the sample video.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var weights = new Option<FileInfo?>("--weights") { Description = "Model weights (default: Inference:Weights, else models/default.safetensors)." };
        var tasks = new Option<string[]>("--tasks")
        {
            Description = "Tasks run on each person besides detection (comma-separated): pose, parsing, attributes, reid. Default: those the weights were trained for.",
            AllowMultipleArgumentsPerToken = true,
        };
        var stride = new Option<int>("--detection-stride") { Description = "Analyse every Nth frame of each camera.", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch") { Description = "Frames run through the model together.", DefaultValueFactory = _ => 4 };
        var precision = CommonOptions.Precision();
        var device = new Option<string>("--device") { Description = "cpu, or cuda / cuda:N on a CUDA build.", DefaultValueFactory = _ => "cpu" };
        var threshold = new Option<float>("--threshold") { Description = "Detection score threshold.", DefaultValueFactory = _ => 0.5f };
        var shortSide = new Option<int?>("--detection-short-side") { Description = "Detection input short side in pixels (default: what the weights were trained at, else 800)." };
        var rate = new Option<double?>("--rate") { Description = "Frames per second to sample from every camera (default: every frame)." };
        var width = new Option<int?>("--width") { Description = "Resize frames to this width in pixels (height follows the aspect ratio)." };
        var duration = CommonOptions.Duration();
        var metricsConsole = new Option<bool>("--metrics-console") { Description = "Print the OpenTelemetry metrics (stages, queues, ingest) every 10 s." };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve the metrics for Prometheus at http://127.0.0.1:PORT/metrics." };
        var transport = new Option<string>("--transport") { Description = "in-process (default) or kafka (all stages in this process, over the broker).", DefaultValueFactory = _ => "in-process" };
        transport.AcceptOnlyFromAmong("in-process", "kafka");
        var bootstrap = new Option<string>("--bootstrap") { Description = "Kafka brokers (host:port,...), or 'mock' for librdkafka's in-process mock cluster.", DefaultValueFactory = _ => "mock" };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the topics created on Kafka.", DefaultValueFactory = _ => 4 };
        var jpegQuality = new Option<int>("--jpeg-quality") { Description = "JPEG quality of frames sent through Kafka; 0 sends them raw (exact, ~15x larger).", DefaultValueFactory = _ => 90 };

        var command = new Command("run", "Analyse camera sources end to end into PostgreSQL (default: the sample video) and print a summary.")
        {
            sources, weights, tasks, stride, batch, precision, device, threshold, shortSide, rate, width, duration, metricsConsole, metricsPort,
            transport, bootstrap, partitions, jpegQuality,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new RunRequest(parse.GetValue(sources) ?? [], parse.GetValue(weights),
                (parse.GetValue(tasks) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
                parse.GetValue(stride), parse.GetValue(batch), parse.GetValue(precision), parse.GetValue(device)!, parse.GetValue(threshold),
                parse.GetValue(shortSide), parse.GetValue(rate), parse.GetValue(width), parse.GetValue(duration), parse.GetValue(metricsConsole), parse.GetValue(metricsPort),
                parse.GetValue(transport) == "kafka" ? new KafkaRequest(parse.GetValue(bootstrap)!, parse.GetValue(partitions), parse.GetValue(jpegQuality)) : null);
            return RunAsync(parse, request, cancellationToken);
        });
        return command;
    }

    private sealed record RunRequest(string[] Sources, FileInfo? Weights, List<string> Tasks, int Stride, int Batch, Precision Precision,
        string Device, float Threshold, int? ShortSide, double? Rate, int? Width, TimeSpan? Duration, bool MetricsConsole, int? MetricsPort, KafkaRequest? Kafka);

    private sealed record KafkaRequest(string Bootstrap, int Partitions, int JpegQuality);

    private static async Task<int> RunAsync(ParseResult parse, RunRequest request, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
        PipelineSettings settings;
        PerceptionOptions perception;
        Store.StoreOptions storeOptions;
        try
        {
            configuration = ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), []);
            var (cameras, ingest) = CameraSources.Build(configuration, request.Sources, request.Rate, request.Width, null);
            string weights = DefaultWeights.Resolve(request.Weights?.FullName ?? configuration["Inference:Weights"]);
            var stage = new InferenceStageOptions { BatchFrames = request.Batch, DetectionStride = request.Stride };
            stage.Validate();
            if (request.MetricsPort is < 1 or > 65535)
                throw new ArgumentException($"--metrics-port must be 1-65535 (got {request.MetricsPort}).");
            perception = new PerceptionOptions
            {
                Device = request.Device,
                Precision = request.Precision,
                DetectionThreshold = request.Threshold,
                // Null: the weights' default tasks (the CPU default model names a cheap set, so that the sample runs
                // faster than real time), else the trained ones; untrained outputs cost time and mean nothing.
                Tasks = request.Tasks.Count > 0 ? request.Tasks : null,
                DetectionResize = request.ShortSide is { } side ? InferenceHints.Resize(side) : null,
            };
            perception.Validate();
            var tracker = ConfigurationLoader.Bind<TrackerOptions>(configuration, "Tracking:Camera");
            tracker.Validate();
            var identities = ConfigurationLoader.Bind<IdentityOptions>(configuration, "Tracking:Identities");
            identities.Validate();
            settings = new PipelineSettings(cameras, ingest.FfmpegFolder, stage, tracker, identities, weights);
            storeOptions = StoreConnection.Options(configuration);
        }
        catch (Exception ex) when (ex is ConfigurationFileException or OptionsValidationException or FileNotFoundException or ArgumentException or InvalidDataException)
        {
            return ErrorReporter.BadInput(error, ex);
        }

        using var loggerFactory = CliLogging.Create(configuration);
        if (await StoreConnection.TryOpenAsync(storeOptions, error, cancellationToken) is not { } dataSource)
            return ExitCodes.PartialFailure;
        await using var _ = dataSource;

        using var kafka = request.Kafka is { } k ? await OpenKafkaAsync(k, error) : null;
        if (request.Kafka is not null && kafka is null)
            return ExitCodes.BadInput;
        if (kafka is not null)
        {
            settings = settings with { Transport = kafka.Create };
            output.WriteLine($"transport: Kafka at {(kafka.IsMock ? "librdkafka's mock cluster " : "")}{kafka.Options.BootstrapServers}");
        }

        PerceptionEngine engine;
        try
        {
            engine = new PerceptionEngineBuilder().WithWeights(settings.WeightsPath!).WithOptions(perception).Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or NotSupportedException)
        {
            return ErrorReporter.BadInput(error, new ArgumentException($"weights '{settings.WeightsPath}': {ex.Message}", ex));
        }
        output.WriteLine($"weights {engine.ModelVersion} ({settings.WeightsPath}); tasks: {string.Join(", ", ["detection", .. engine.CropTasks.Select(t => t.Name)])}; " +
            $"detection input short side {engine.DetectionResize.ShortSide} (long side at most {engine.DetectionResize.MaxLongSide})");
        UntrainedTasks.Warn(output, engine);

        // First Ctrl+C (the command's token): stop reading the cameras and drain into the database.
        // Second Ctrl+C: abort at once.
        using var abort = new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (request.Duration is { } limit)
            stop.CancelAfter(limit);
        int presses = 0;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (Interlocked.Increment(ref presses) == 1)
            {
                error.WriteLine("\nstopping: draining what is in flight into the database (Ctrl+C again to abort)");
            }
            else
            {
                abort.Cancel();
            }
            e.Cancel = true;
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var pipeline = new EmbeddedPipeline(settings, engine, dataSource, loggerFactory);
            using var metrics = new PipelineMetrics(pipeline, request.MetricsConsole, request.MetricsPort);
            using var progress = ProgressLine.Start(() => RunProgress.Describe(pipeline));
            var result = await pipeline.RunAsync(stop.Token, abort.Token);
            progress.Stop();
            RunSummary.Write(output, result, storeOptions);
            if (result.Failure is not null)
            {
                error.WriteLine($"error: {result.Failure.Message}");
                return ExitCodes.PartialFailure;
            }
            if (cancellationToken.IsCancellationRequested || abort.IsCancellationRequested)
                return ExitCodes.Interrupted;
            return result.Cameras.Any(c => c.Status == CameraIngestStatus.Failed) ? ExitCodes.PartialFailure : ExitCodes.Success;
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            error.WriteLine("aborted: what was not yet committed was not stored");
            return ExitCodes.Interrupted;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task<KafkaSetup?> OpenKafkaAsync(KafkaRequest request, TextWriter error)
    {
        try
        {
            return await KafkaSetup.CreateAsync(request.Bootstrap, request.Partitions, request.JpegQuality);
        }
        catch (Exception ex) when (ex is ArgumentException or Confluent.Kafka.KafkaException or InvalidOperationException or DllNotFoundException)
        {
            error.WriteLine($"error: Kafka at '{request.Bootstrap}': {ex.Message}");
            return null;
        }
    }
}
