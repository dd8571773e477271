using System.CommandLine;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Hosting;
using UniHCP.Pipeline.Cli.Annotation;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Ingest.VideoOutput;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>
/// `unihcp annotate`: one source through the model and the tracker, written as a video with boxes coloured by
/// track, track ids, scores, skeletons and attribute tags, so that a person can see what the system saw.
/// Nothing is stored.
/// </summary>
internal static class AnnotateCommand
{
    public static Command Create()
    {
        var source = new Option<string?>("--source", "-s") { Description = "A video file or stream URL (default: the sample video)." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The annotated video to write (.mp4: H.264; .avi: MPEG-4).", Required = true };
        var weights = new Option<FileInfo?>("--weights") { Description = "Model weights (default: Inference:Weights, else models/default.safetensors)." };
        var tasks = new Option<string[]>("--tasks") { Description = "Person tasks to show (comma-separated); default: those the weights were trained for.", AllowMultipleArgumentsPerToken = true };
        var threshold = new Option<float>("--threshold") { Description = "Detection score threshold.", DefaultValueFactory = _ => 0.5f };
        var duration = CommonOptions.Duration();
        var precision = CommonOptions.Precision();
        var command = new Command("annotate", "Write a video of a source with what the system saw drawn on it (boxes, track ids, skeletons, attributes).")
        {
            source, output, weights, tasks, threshold, duration, precision,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, parse.GetValue(source), parse.GetValue(output)!, parse.GetValue(weights),
            (parse.GetValue(tasks) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
            parse.GetValue(threshold), parse.GetValue(duration), parse.GetValue(precision), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, string? sourceValue, FileInfo output, FileInfo? weightsFile, List<string> tasks,
        float threshold, TimeSpan? duration, Precision precision, CancellationToken cancellationToken)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        IReadOnlyList<CameraSource> sources;
        string? ffmpegFolder;
        PerceptionEngine engine;
        Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
        try
        {
            configuration = ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), []);
            (sources, var ingest) = CameraSources.Build(configuration, sourceValue is null ? [] : [sourceValue], null, null, null);
            if (sources.Count != 1)
                throw new ArgumentException($"annotate takes one source ({sources.Count} configured); pass --source.");
            ffmpegFolder = ingest.FfmpegFolder;
            if (output.Directory is { Exists: false } folder)
                throw new ArgumentException($"--out: the folder '{folder.FullName}' does not exist.");
            string path = DefaultWeights.Resolve(weightsFile?.FullName ?? configuration["Inference:Weights"]);
            var options = new PerceptionOptions
            {
                DetectionThreshold = threshold,
                Precision = precision,
                Tasks = tasks.Count > 0 ? tasks : null, // null: what the weights name as their default
            };
            options.Validate();
            engine = new PerceptionEngineBuilder().WithWeights(path).WithOptions(options).Build();
        }
        catch (Exception ex) when (ex is ConfigurationFileException or OptionsValidationException or FileNotFoundException or ArgumentException or InvalidDataException)
        {
            return ErrorReporter.BadInput(stderr, ex);
        }

        using var _ = engine;
        using var loggerFactory = CliLogging.Create(configuration);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } limit)
            stop.CancelAfter(limit);
        await using var transport = new InProcessTransport();
        var frames = transport.Subscribe(Topics.Frames, "annotate");
        var ingesting = new IngestStage(sources, loggerFactory, ffmpegFolder).RunAsync(transport.CreatePublisher(Topics.Frames), stop.Token);

        using var annotator = new FrameAnnotator();
        if (!annotator.HasLabels)
            stderr.WriteLine("note: no DejaVu font found (apt install fonts-dejavu-core): boxes and skeletons are drawn without labels");
        var tracker = new CameraTracker(sources[0].Id);
        VideoWriter? writer = null;
        VideoFrame? first = null;
        byte[]? pending = null; // the first frame, held until the second gives the frame rate
        long written = 0, persons = 0;
        try
        {
            await foreach (var delivery in frames.ReadAllAsync(CancellationToken.None))
            {
                frames.Acknowledge(delivery);
                if (delivery.IsNotice)
                    continue;
                var frame = delivery.Event;
                var observations = engine.Process([frame])[0];
                var states = tracker.Update(frame.CaptureTime, observations.Persons.Select(p => new TrackerDetection(p.DetectionIndex, p.Box, p.Score, p.Embedding)).ToList());
                var trackOf = states.Where(s => s.DetectionIndex is not null && s.Status != TrackStatus.Tentative).ToDictionary(s => s.DetectionIndex!.Value, s => s.TrackId);
                byte[] rgba = annotator.Draw(frame, observations.Persons, trackOf);
                persons += observations.Persons.Count;
                // The frame rate comes from the first two frames' stream times (sampling may have changed it).
                if (writer is null)
                {
                    if (first is null)
                    {
                        first = frame;
                        pending = rgba;
                        continue;
                    }
                    double seconds = (frame.StreamTime - first.StreamTime).TotalSeconds;
                    writer = new VideoWriter(output.FullName, frame.Width, frame.Height, seconds > 0 ? 1 / seconds : 10, ffmpegFolder);
                    await writer.WriteAsync(pending!, cancellationToken);
                    written++;
                }
                await writer.WriteAsync(rgba, cancellationToken);
                written++;
            }
            if (writer is null && pending is not null && first is not null)
            {
                writer = new VideoWriter(output.FullName, first.Width, first.Height, 10, ffmpegFolder);
                await writer.WriteAsync(pending, cancellationToken);
                written++;
            }
        }
        finally
        {
            if (writer is not null)
                await writer.DisposeAsync();
        }
        var reports = await ingesting;
        foreach (var report in reports.Where(r => r.Status == CameraIngestStatus.Failed))
            stderr.WriteLine($"error: {report.CameraId}: {report.Message}");
        if (written == 0)
        {
            stderr.WriteLine("error: no frame was decoded; nothing written");
            return ExitCodes.PartialFailure;
        }
        stdout.WriteLine($"wrote {output.FullName}: {written} frames, {persons} persons drawn (weights {engine.ModelVersion})");
        return cancellationToken.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Success;
    }
}
