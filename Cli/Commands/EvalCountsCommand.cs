using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.PerCamera;
using UniHCP.Pipeline.Tracking.Zones;
using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp eval counts`: the zone and line counts that a COCO file of boxes of one video (teacher labels, another
/// detector) gives with a camera's configured geometry - to check the pipeline's stored counts against.</summary>
internal static class EvalCountsCommand
{
    public static Command Create()
    {
        var coco = new Option<FileInfo>("--coco") { Description = "COCO file of one video's frames (images with frame_index; person boxes with scores).", Required = true };
        var camera = new Option<string>("--camera") { Description = "The camera whose geometry (Events:Cameras:<id> in the configuration) to count with.", Required = true };
        var frameRate = new Option<double>("--frame-rate") { Description = "The video's frame rate: frame_index / rate is the time.", DefaultValueFactory = _ => 10 };
        var minScore = new Option<float>("--min-score") { Description = "Boxes below this score are not persons.", DefaultValueFactory = _ => 0.25f };
        var confirm = new Option<int?>("--confirm-frames") { Description = "Zone debounce in labelled frames (default: Events:ConfirmFrames over the file's frame step, at least 1)." };
        var source = new Option<string?>("--source") { Description = "Count only the annotations of this source (a file labelled by several teachers has each person once per source; such a file needs it)." };
        var command = new Command("counts", "Zone and line counts from a COCO file's boxes, tracked by our tracker and counted as the events stage counts.")
            { coco, camera, frameRate, minScore, confirm, source };
        command.SetAction((parse, _) =>
        {
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var configuration = ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), []);
                var events = ConfigurationLoader.Bind<ZoneEventOptions>(configuration, ZoneEventOptions.SectionName);
                events.Validate();
                var tracker = ConfigurationLoader.Bind<TrackerOptions>(configuration, "Tracking:Camera");
                tracker.Validate();
                string cameraId = parse.GetValue(camera)!;
                if (!events.Cameras.TryGetValue(cameraId, out var geometry))
                    throw new ArgumentException($"--camera '{cameraId}': the configuration has no Events:Cameras:{cameraId} geometry (cameras with geometry: {string.Join(", ", events.Cameras.Keys)}).");
                double rate = parse.GetValue(frameRate);
                if (!double.IsFinite(rate) || rate <= 0)
                    throw new ArgumentException($"--frame-rate must be positive; it is {rate}.");
                var file = CocoFile.Read(parse.GetValue(coco)!.FullName);
                var byImage = file.ByImage;
                var sources = file.SourceCounts;
                string? only = parse.GetValue(source);
                // Two teachers' boxes of one person would be two tracks, and every crossing would count twice.
                if (only is null && sources.Count > 1)
                    throw new ArgumentException($"{file.Path} mixes annotation sources ({Listed(sources)}): each person may appear once per source. Choose one with --source.");
                if (only is not null && !sources.ContainsKey(only))
                    throw new ArgumentException($"--source '{only}': {file.Path} has no annotations of it (sources: {(sources.Count > 0 ? Listed(sources) : "none named")}).");
                float threshold = parse.GetValue(minScore);
                var frames = file.Images.Select(image => new DetectedFrame(
                        image.FrameIndex ?? throw new FormatException($"{file.Path}: image {image.Id} has no frame_index; the counts need each image's place in the video."),
                        DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(image.FrameIndex.Value / rate),
                        byImage[image.Id].Where(a => file.PersonCategories.Contains(a.CategoryId) && a.Bbox is { Length: 4 } && (a.Score ?? 1) >= threshold
                                && (only is null || a.Source == only))
                            .Select(a => (new BoundingBox((float)a.Bbox![0], (float)a.Bbox[1], (float)(a.Bbox[0] + a.Bbox[2]), (float)(a.Bbox[1] + a.Bbox[3])), (float)(a.Score ?? 1))).ToList()))
                    .OrderBy(f => f.FrameSequence).ToList();
                var steps = frames.Zip(frames.Skip(1), (a, b) => b.FrameSequence - a.FrameSequence).Order().ToList();
                long step = steps.Count > 0 ? steps[steps.Count / 2] : 1;
                int confirmFrames = parse.GetValue(confirm) ?? (int)Math.Max(1, Math.Ceiling(events.ConfirmFrames / (double)step));
                var found = ZoneCounting.Events(cameraId, geometry, frames, tracker, confirmFrames, events.LineHysteresis, events.CountStartsInside);
                var output = parse.InvocationConfiguration.Output;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{frames.Count} frames (every {step}), {frames.Sum(f => f.Boxes.Count)} boxes at score >= {threshold}{(only is null ? "" : $" from {only}")}; zone debounce {confirmFrames} labelled frame(s)"));
                TextTable.Write(output, ZoneCounting.Totals(geometry, found).Select(t => new[]
                {
                    t.Geometry, Cell(t.In), Cell(t.Out), Cell(t.Enter), Cell(t.Exit), Cell(t.Dwell), Cell(t.Crowding),
                }).Prepend(["zone/line", "in", "out", "enter", "exit", "dwell", "crowding"]).ToList());
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception ex) when (ex is ConfigurationFileException or ArgumentException or FormatException or FileNotFoundException)
            {
                return Task.FromResult(ErrorReporter.BadInput(error, ex));
            }
        });
        return command;
    }

    private static string Listed(IReadOnlyDictionary<string, int> sources) =>
        string.Join(", ", sources.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value}")));

    private static string Cell(int value) => value.ToString(CultureInfo.InvariantCulture);
}
