using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Hosting;
using UniHCP.Pipeline.Hosting.Stages;
using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>
/// `unihcp stage ingest|infer|track|identities|events|store`: one stage of the pipeline as its own process over Kafka - the
/// scale-out deployment. The same registration as `unihcp run` (PipelineServiceCollectionExtensions); processes of
/// one stage share a consumer group and so the cameras. A stage ends when its input topic is completed by its run's
/// publishers (finite sources), or on Ctrl+C, committing what it has acknowledged.
/// </summary>
internal static class StageCommand
{
    private static readonly Option<string> Bootstrap = new("--bootstrap") { Description = "Kafka brokers, host:port[,host:port...] (Kafka:BootstrapServers).", Required = true };
    private static readonly Option<string?> RunId = new("--run-id") { Description = "Shared by the processes of one finite run (its topics end when its publishers complete them) (Kafka:RunId)." };
    private static readonly Option<int?> Publishers = new("--publishers") { Description = "Processes of the upstream stage in this run (each completes the topic once) (Kafka:PublishersPerTopic; default 1)." };

    public static Command Create()
    {
        var command = new Command("stage", "Run one pipeline stage as its own process over Kafka (scale-out).");
        command.Subcommands.Add(Ingest());
        command.Subcommands.Add(Stage("infer", "Consume frames, run the model, publish person observations (several processes share the cameras).",
            services => services.AddInference(), PipelineArguments.Inference, s => Describe(s.GetRequiredService<InferenceService>())));
        command.Subcommands.Add(Stage("track", "Consume person observations, track per camera, publish track updates. Run as many as the persons topic has partitions: each tracks the cameras of its partitions.",
            services => services.AddTracking(), [], s => $"{s.GetRequiredService<TrackingService>().Stage.Updates} frames tracked, {s.GetRequiredService<TrackingService>().Stage.TracksStarted} tracks"));
        command.Subcommands.Add(Stage("identities", "Consume track updates of every camera, link tracks across cameras, publish identity events. Run one: identities need every camera.",
            services => services.AddIdentities(), [], s => $"{s.GetRequiredService<IdentitiesService>().Stage?.Identities ?? 0} identities"));
        command.Subcommands.Add(Stage("events", "Consume track updates, compute zone and line events (section Events), store them with the stage's checkpoint and publish them on the events topic. Run one.",
            services => services.AddEvents(), [], s => $"{s.GetRequiredService<EventsService>().Stage?.Events ?? 0} events, {s.GetRequiredService<EventsService>().Stage?.Stored ?? 0} newly stored"));
        command.Subcommands.Add(Stage("store", "Consume track updates and identity events and write them to PostgreSQL (idempotent: replays change nothing).",
            services => services.AddStore(), [], s => Describe(s.GetRequiredService<StoreService>())));
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
            using var broker = PipelineTransport.StartMockBroker(count);
            output.WriteLine($"broker: {broker.BootstrapServers} (topics {string.Join(", ", PipelineTransport.TopicNames)}, {count} partitions each; Ctrl+C stops it)");
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
        var sources = new Option<string[]>("--source", "-s") { Description = "Sources as ID=LOCATION (repeat); default: Ingest:Cameras, else Ingest:DefaultSource (the set-up's sample video).", Arity = ArgumentArity.ZeroOrMore };
        var maxLag = new Option<int?>("--max-lag") { Description = "Wait while the inference processes are more than this many frames behind on a partition (Pipeline:MaxLag; 0: never). Set it when the brokers keep little (librdkafka's mock cluster: 5 MB per partition, about 3 raw or 60 JPEG frames)." };
        IReadOnlyList<Ingest.Configuration.CameraOptions> cameras = [];
        var command = Stage("ingest", "Decode camera sources and publish their frames to Kafka.", services => services.AddIngest(cameras), [sources, maxLag], s =>
        {
            var reports = s.GetRequiredService<IngestService>().Reports;
            return string.Join(Environment.NewLine, reports.Select(r => $"{r.CameraId}: {r.Status.ToString().ToLowerInvariant()}, {r.Frames} frames{(r.Message is null ? "" : ": " + r.Message)}"));
        }, (parse, configuration, overrides) =>
        {
            if (parse.GetValue(maxLag) is { } lag)
                overrides["Pipeline:MaxLag"] = lag.ToString(System.Globalization.CultureInfo.InvariantCulture);
            cameras = CameraSources.Build(configuration(), parse.GetValue(sources) ?? [], null, null, null).Options.Cameras;
        });
        return command;
    }

    private static string Describe(InferenceService inference) =>
        $"analysed {inference.Counters?.Analysed ?? 0} frames, {inference.Counters?.Persons ?? 0} persons (weights {inference.Engine?.ModelVersion})";

    private static string Describe(StoreService store)
    {
        var counters = store.Stage.Counters;
        return $"stored {counters.Observations} observations from {counters.Updates} frames, {counters.IdentityEvents} identity events, {counters.DeadLetters} dead letters";
    }

    /// <summary>A stage subcommand: the Kafka options, the stage's own, one host with the stage, a line at the end.</summary>
    private static Command Stage(string name, string description, Action<IServiceCollection> addStage, IEnumerable<Option> options,
        Func<IServiceProvider, string> summary, Action<ParseResult, Func<Microsoft.Extensions.Configuration.IConfiguration>, Dictionary<string, string?>>? prepare = null)
    {
        var command = new Command(name, description) { Bootstrap, RunId, Publishers, PipelineArguments.Partitions, PipelineArguments.JpegQuality };
        foreach (var option in options.Concat(PipelineArguments.Observability))
            command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
            try
            {
                var overrides = PipelineArguments.Overrides(parse);
                overrides["Pipeline:Transport"] = "Kafka";
                overrides["Kafka:BootstrapServers"] = parse.GetValue(Bootstrap);
                overrides["Kafka:ClientId"] = "unihcp-" + name;
                if (parse.GetValue(RunId) is { } run)
                    overrides["Kafka:RunId"] = run;
                if (parse.GetValue(Publishers) is { } publishers)
                    overrides["Kafka:PublishersPerTopic"] = publishers.ToString(System.Globalization.CultureInfo.InvariantCulture);
                prepare?.Invoke(parse, () => ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), overrides), overrides);
                configuration = ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), overrides);
            }
            catch (Exception ex) when (ex is ConfigurationFileException or OptionsValidationException or ArgumentException or FileNotFoundException)
            {
                return ErrorReporter.BadInput(error, ex);
            }
            if (HostedRun.TryBuild(() => PipelineHost.Build(configuration, addStage, logging => CliLogging.Configure(logging, configuration)), error, out var built) is { } notBuilt)
                return notBuilt;
            using var host = built!;
            if (await HostedRun.TryStartAsync(host, error, cancellationToken) is { } failed)
                return failed;
            var transport = host.Services.GetRequiredService<PipelineTransport>();
            output.WriteLine($"stage {name}: {transport.Description}, run {host.Services.GetRequiredService<IOptions<Transport.Kafka.KafkaTransportOptions>>().Value.RunId}");
            foreach (string address in PipelineHost.HttpAddresses(host))
                output.WriteLine($"http: {address}/metrics {address}/healthz");
            output.Flush();
            await HostedRun.RunToEndAsync(host, error, null, cancellationToken);
            var monitor = host.Services.GetRequiredService<StageMonitor>();
            output.WriteLine(summary(host.Services));
            if (monitor.FirstFailure is { } failure)
            {
                error.WriteLine($"error: stage {name} failed: {failure.Error?.Message}");
                return ExitCodes.PartialFailure;
            }
            if (cancellationToken.IsCancellationRequested)
            {
                output.WriteLine($"stage {name}: stopped; what was acknowledged is committed");
                return ExitCodes.Interrupted;
            }
            return name == "ingest" && host.Services.GetRequiredService<IngestService>().Reports.Any(r => r.Status == CameraIngestStatus.Failed)
                ? ExitCodes.PartialFailure : ExitCodes.Success;
        });
        return command;
    }
}
