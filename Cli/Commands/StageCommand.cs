using System.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Stage;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Store.Stage;
using UniHCP.Pipeline.Tracking.CrossCamera;
using UniHCP.Pipeline.Tracking.PerCamera;
using UniHCP.Pipeline.Tracking.Stage;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>
/// `unihcp stage ingest|infer|track|store`: one stage of the pipeline as its own process over Kafka - the
/// scale-out deployment. The same stage classes as `unihcp run`; consumer groups share a topic's partitions among
/// processes of one stage. A stage ends when its input topic is completed by its run's publishers (finite
/// sources), or on Ctrl+C, committing what it has acknowledged.
/// </summary>
internal static class StageCommand
{
    private static readonly Option<string> Bootstrap = new("--bootstrap") { Description = "Kafka brokers, host:port[,host:port...].", Required = true };
    private static readonly Option<string?> RunId = new("--run-id") { Description = "Shared by the processes of one finite run (its topics end when its publishers complete them)." };
    private static readonly Option<int> Publishers = new("--publishers") { Description = "Processes of the upstream stage in this run (each completes the topic once).", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> JpegQuality = new("--jpeg-quality") { Description = "JPEG quality of published frames (0: raw).", DefaultValueFactory = _ => 90 };
    private const string InferenceGroup = "inference";
    private static readonly Option<int> Partitions = new("--partitions") { Description = "Partitions of the topics when this process creates them (the most processes of one stage that can share the work).", DefaultValueFactory = _ => 8 };

    public static Command Create()
    {
        var command = new Command("stage", "Run one pipeline stage as its own process over Kafka (scale-out).");
        command.Subcommands.Add(Ingest());
        command.Subcommands.Add(Infer());
        command.Subcommands.Add(Track());
        command.Subcommands.Add(StoreStageCommand());
        command.Subcommands.Add(Broker());
        return command;
    }

    private static Command Broker()
    {
        var partitions = new Option<int>("--partitions") { Description = "Partitions of each pipeline topic.", DefaultValueFactory = _ => 4 };
        var command = new Command("broker", "Run librdkafka's mock cluster (a Kafka wire-protocol broker in memory, about 5 MB kept per partition) with the pipeline's topics until Ctrl+C: the stages of a single-host trial connect to the address it prints.") { partitions };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            int count = parse.GetValue(partitions);
            if (count is < 1 or > 1000)
                return ErrorReporter.BadInput(parse.InvocationConfiguration.Error, new ArgumentException("--partitions must be 1-1000."));
            using var setup = await KafkaSetup.CreateAsync("mock", count, 0);
            output.WriteLine($"broker: {setup.Options.BootstrapServers} (topics {string.Join(", ", KafkaSetup.PipelineTopics)}, {count} partitions each; Ctrl+C stops it)");
            output.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                output.WriteLine("broker: stopped");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Ingest()
    {
        var sources = new Option<string[]>("--source", "-s") { Description = "Sources as ID=LOCATION (repeat); default: Ingest:Cameras, else the sample video.", Arity = ArgumentArity.ZeroOrMore };
        var maxLag = new Option<int>("--max-lag") { Description = "Wait while the inference processes are more than this many frames behind on a partition (0: never). Set it when the brokers keep little (librdkafka's mock cluster: 5 MB per partition, about 3 raw or 60 JPEG frames).", DefaultValueFactory = _ => 0 };
        maxLag.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 or > 1_000_000)
                result.AddError("--max-lag must be 0-1000000.");
        });
        var command = new Command("ingest", "Decode camera sources and publish their frames to Kafka.") { Bootstrap, RunId, Publishers, JpegQuality, Partitions, sources, maxLag };
        command.SetAction((parse, ct) => RunStageAsync(parse, "ingest", async (context, transport, cancellationToken) =>
        {
            var (cameras, options) = CameraSources.Build(context.Configuration, parse.GetValue(sources) ?? [], null, null, null);
            var reports = await new IngestStage(cameras, context.Loggers, options.FfmpegFolder).RunAsync(transport.CreatePublisher(Topics.Frames, InferenceGroup, parse.GetValue(maxLag)), cancellationToken);
            foreach (var report in reports)
                context.Output.WriteLine($"{report.CameraId}: {report.Status.ToString().ToLowerInvariant()}, {report.Frames} frames{(report.Message is null ? "" : ": " + report.Message)}");
            return reports.Any(r => r.Status == CameraIngestStatus.Failed) ? ExitCodes.PartialFailure : ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Infer()
    {
        var weights = new Option<FileInfo?>("--weights") { Description = "Model weights (default: Inference:Weights, else models/default.safetensors)." };
        var tasks = new Option<string[]>("--tasks") { Description = "Person tasks (comma-separated); default: those the weights were trained for.", AllowMultipleArgumentsPerToken = true };
        var threshold = new Option<float>("--threshold") { Description = "Detection score threshold.", DefaultValueFactory = _ => 0.5f };
        var precision = CommonOptions.Precision();
        var command = new Command("infer", "Consume frames, run the model, publish person observations (several processes share the cameras).")
        {
            Bootstrap, RunId, Publishers, JpegQuality, Partitions, weights, tasks, threshold, precision,
        };
        command.SetAction((parse, ct) => RunStageAsync(parse, "infer", async (context, transport, cancellationToken) =>
        {
            string path = DefaultWeights.Resolve(parse.GetValue(weights)?.FullName ?? context.Configuration["Inference:Weights"]);
            var requested = (parse.GetValue(tasks) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var options = new PerceptionOptions
            {
                DetectionThreshold = parse.GetValue(threshold),
                Precision = parse.GetValue(precision),
                Tasks = requested.Count > 0 ? requested : null, // null: what the weights name as their default, as in `run`
            };
            var engine = new PerceptionEngineBuilder().WithWeights(path).WithOptions(options).Build();
            var stage = new InferenceStage(engine, new InferenceStageOptions(), context.Loggers.CreateLogger<InferenceStage>());
            await stage.RunAsync(transport.Subscribe(Topics.Frames, InferenceGroup), transport.CreatePublisher(Topics.Persons), cancellationToken);
            context.Output.WriteLine($"analysed {stage.Counters.Analysed} frames, {stage.Counters.Persons} persons (weights {engine.ModelVersion})");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Track()
    {
        var command = new Command("track", "Consume person observations, track per camera and across cameras, publish track updates and identity events. Run one: the identities need every camera.")
        {
            Bootstrap, RunId, Publishers, JpegQuality, Partitions,
        };
        command.SetAction((parse, ct) => RunStageAsync(parse, "track", async (context, transport, cancellationToken) =>
        {
            var tracker = ConfigurationLoader.Bind<TrackerOptions>(context.Configuration, "Tracking:Camera");
            var identities = ConfigurationLoader.Bind<IdentityOptions>(context.Configuration, "Tracking:Identities");
            await using var store = await StoreConnection.OpenAsync(StoreConnection.Options(context.Configuration), cancellationToken);
            var stage = new TrackingStage(tracker, identities, await TrackingIds.FromStoreAsync(store, cancellationToken), context.Loggers.CreateLogger<TrackingStage>());
            await stage.RunAsync(transport.Subscribe(Topics.Persons, "tracking"), transport.CreatePublisher(Topics.Tracks), transport.CreatePublisher(Topics.Identities), cancellationToken);
            context.Output.WriteLine($"{stage.Updates} frames tracked, {stage.TracksStarted} tracks, {stage.Identities} identities");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command StoreStageCommand()
    {
        var command = new Command("store", "Consume track updates and identity events and write them to PostgreSQL (idempotent: replays change nothing).")
        {
            Bootstrap, RunId, Publishers, JpegQuality, Partitions,
        };
        command.SetAction((parse, ct) => RunStageAsync(parse, "store", async (context, transport, cancellationToken) =>
        {
            await using var store = await StoreConnection.OpenAsync(StoreConnection.Options(context.Configuration), cancellationToken);
            var stage = new StoreStage(store, context.Loggers.CreateLogger<StoreStage>());
            await Task.WhenAll(
                stage.RunTracksAsync(transport.Subscribe(Topics.Tracks, "store"), cancellationToken),
                stage.RunIdentitiesAsync(transport.Subscribe(Topics.Identities, "store-identities"), cancellationToken));
            context.Output.WriteLine($"stored {stage.Counters.Observations} observations from {stage.Counters.Updates} frames, {stage.Counters.IdentityEvents} identity events, {stage.Counters.DeadLetters} dead letters");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private sealed record StageContext(Microsoft.Extensions.Configuration.IConfiguration Configuration, ILoggerFactory Loggers, TextWriter Output);

    private static async Task<int> RunStageAsync(ParseResult parse, string name, Func<StageContext, KafkaTransport, CancellationToken, Task<int>> run, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
        KafkaTransportOptions options;
        try
        {
            configuration = ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), []);
            options = ConfigurationLoader.Bind<KafkaTransportOptions>(configuration, KafkaTransportOptions.SectionName);
            options.BootstrapServers = parse.GetValue(Bootstrap)!;
            options.RunId = parse.GetValue(RunId) ?? options.RunId;
            options.PublishersPerTopic = parse.GetValue(Publishers);
            options.ClientId = "unihcp-" + name;
            options.Validate();
            if (parse.GetValue(Partitions) is < 1 or > 1000)
                throw new ArgumentException("--partitions must be 1-1000.");
            if (parse.GetValue(JpegQuality) is < 0 or > 100)
                throw new ArgumentException("--jpeg-quality must be 0 (raw) or 1-100.");
        }
        catch (Exception ex) when (ex is ConfigurationFileException or OptionsValidationException or ArgumentException)
        {
            return ErrorReporter.BadInput(error, ex);
        }
        using var loggers = CliLogging.Create(configuration);
        int quality = parse.GetValue(JpegQuality);
        try
        {
            await using var transport = new KafkaTransport(options, new EventCodec(
                quality == 0 ? RawFramePixels.Instance : new JpegFramePixels(quality), [new JpegFramePixels(90)]));
            output.WriteLine($"stage {name}: Kafka at {options.BootstrapServers}, run {options.RunId}");
            try
            {
                await transport.CreateTopicsAsync([Topics.Frames.Name, Topics.Persons.Name, Topics.Tracks.Name, Topics.Identities.Name], parse.GetValue(Partitions));
            }
            catch (Confluent.Kafka.KafkaException ex)
            {
                // E.g. librdkafka's mock cluster, which has no CreateTopics call: the topics must exist already.
                output.WriteLine($"note: topics not created ({ex.Error.Reason}); using the existing ones");
            }
            return await run(new StageContext(configuration, loggers, output), transport, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.WriteLine($"stage {name}: stopped; what was acknowledged is committed");
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or ArgumentException or OptionsValidationException or ConfigurationFileException)
        {
            return ErrorReporter.BadInput(error, ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or Confluent.Kafka.KafkaException or TopicFaultedException or InvalidOperationException)
        {
            error.WriteLine($"error: stage {name} failed: {ex.Message}");
            return ExitCodes.PartialFailure;
        }
    }
}
