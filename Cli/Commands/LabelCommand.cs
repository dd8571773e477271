using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Labelling;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp label`: machine labels (COCO JSON) for a video, a live source or a folder of images, from the public
/// pretrained teachers or from any of our weights files; resumable.</summary>
internal static class LabelCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "A video file, a live source (rtsp://, http://, a device) or a folder of images." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The COCO file to write. While the run lasts, OUT.partial.jsonl records each labelled frame; the same command resumes it.", Required = true };
        var every = new Option<int>("--every") { Description = "Label every N-th frame (or image): consecutive frames are near copies.", DefaultValueFactory = _ => 3 };
        var start = new Option<long>("--start") { Description = "First frame (0-based decoded index) or image (sorted by path) to label." };
        var end = new Option<long?>("--end") { Description = "Stop before this frame or image." };
        var maxFrames = new Option<long?>("--max-frames") { Description = "Label at most this many frames (a live source needs this or --duration)." };
        var duration = CommonOptions.Duration();
        duration.Description = "Read the source for at most this long (e.g. 10m), then write the file.";
        var tiles = new Option<int>("--tiles") { Description = "1: CenterNet on the whole frame; 2: also on 2x2 overlapping tiles (small, far people; about five times the cost).", DefaultValueFactory = _ => 1 };
        var noPose = new Option<bool>("--no-pose") { Description = "Boxes only (no MoveNet keypoints)." };
        var keypointTeacher = new Option<string>("--keypoint-teacher") { Description = "multipose: MoveNet MultiPose Lightning, six persons per pass (about 0.33 s per pass; the default, whose labels trained the better student); thunder: MoveNet Thunder, one person per pass (the more accurate teacher on its own; about 0.11 s per person).", DefaultValueFactory = _ => "multipose" };
        keypointTeacher.AcceptOnlyFromAmong("thunder", "multipose");
        var minScore = new Option<float>("--min-score") { Description = "Write teacher boxes down to this score (below the operating score they are ignore regions for training).", DefaultValueFactory = _ => 0.12f };
        var operatingScore = new Option<float>("--operating-score") { Description = "The teacher's person score: boxes at or above it are persons and get keypoints.", DefaultValueFactory = _ => 0.25f };
        var poseMinHeight = new Option<float>("--pose-min-height") { Description = "Persons shorter than this (pixels) get no keypoints.", DefaultValueFactory = _ => 40 };
        var teacherWeights = new Option<FileInfo?>("--teacher") { Description = "Label with one of our weights files instead of the pretrained teachers (every task it has: boxes, keypoints, attributes, colours, embeddings)." };
        var threshold = new Option<float>("--threshold") { Description = "With --teacher: the detection score of a labelled person.", DefaultValueFactory = _ => 0.3f };
        var teachers = new Option<DirectoryInfo?>("--teachers") { Description = "Where the pretrained teachers are installed (default: $UNIHCP_TEACHERS, which set-up writes)." };
        var threads = CommonOptions.Threads();
        var command = new Command("label", "Pseudo-label people (boxes, keypoints) in a video, a live source or a folder of images with pretrained teachers or our own weights, into COCO JSON; resumable.")
        {
            source, output, every, start, end, maxFrames, duration, tiles, noPose, keypointTeacher, minScore, operatingScore, poseMinHeight, teacherWeights, threshold, teachers, threads,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            ITeacher teacher;
            LabelSelection selection;
            string sourceValue = parse.GetValue(source)!;
            try
            {
                selection = new LabelSelection(parse.GetValue(every), parse.GetValue(start), parse.GetValue(end), parse.GetValue(maxFrames), parse.GetValue(duration));
                selection.Validate();
                if (!Directory.Exists(sourceValue) && !File.Exists(sourceValue) && !sourceValue.Contains("://", StringComparison.Ordinal) && !sourceValue.StartsWith("/dev/", StringComparison.Ordinal))
                    throw new FileNotFoundException($"'{sourceValue}' is neither a video file, a folder of images nor a stream URL.");
                if (parse.GetValue(teacherWeights) is { } weights)
                {
                    if (!weights.Exists)
                        throw new FileNotFoundException($"Teacher weights '{weights.FullName}' do not exist.", weights.FullName);
                    TorchRuntime.SetThreads(parse.GetValue(threads));
                    var engine = new PerceptionEngineBuilder().WithWeights(weights.FullName)
                        .WithOptions(new PerceptionOptions { DetectionThreshold = parse.GetValue(threshold), Threads = parse.GetValue(threads) })
                        .Build();
                    teacher = new WeightsTeacher(engine);
                }
                else
                {
                    var options = new PretrainedTeacherOptions
                    {
                        MinScore = parse.GetValue(minScore),
                        OperatingScore = parse.GetValue(operatingScore),
                        Tiles = parse.GetValue(tiles),
                        Pose = !parse.GetValue(noPose),
                        KeypointTeacher = parse.GetValue(keypointTeacher) == "multipose" ? KeypointTeacher.MultiPose : KeypointTeacher.Thunder,
                        PoseMinHeight = parse.GetValue(poseMinHeight),
                    };
                    options.Validate();
                    teacher = await PretrainedTeachers.StartAsync(TeacherInstallation.Locate(parse.GetValue(teachers)?.FullName), options, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or DatasetFormatException or InvalidOperationException)
            {
                return ErrorReporter.BadInput(stderr, ex);
            }
            await using (teacher)
            {
                LabelProgress? last = null;
                using var line = ProgressLine.Start(() => last is { } p ? Describe(p) : "starting the teachers");
                try
                {
                    var summary = await new Labeller(teacher).LabelAsync(sourceValue, selection, parse.GetValue(output)!.FullName, new Progress<LabelProgress>(p => last = p), cancellationToken);
                    line.Stop();
                    foreach (string skipped in summary.Skipped)
                        stderr.WriteLine($"skipped {skipped}");
                    string perFrame = summary.Labelled > 0 ? string.Create(CultureInfo.InvariantCulture, $", {summary.Elapsed.TotalSeconds / summary.Labelled:0.00} s per frame") : string.Empty;
                    stdout.WriteLine($"labelled {summary.Labelled} frames{(summary.Resumed > 0 ? $" (after {summary.Resumed} of an earlier run)" : string.Empty)}: {summary.Persons} persons, {summary.Posed} with keypoints{perFrame}");
                    if (summary.Output is null)
                    {
                        stdout.WriteLine($"interrupted: {LabelJournal.PathFor(parse.GetValue(output)!.FullName)} keeps what is done; run the same command to resume");
                        return ExitCodes.Interrupted;
                    }
                    stdout.WriteLine($"wrote {summary.Output}");
                    return summary.Skipped.Count > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
                }
                catch (Exception ex) when (ex is IOException or InvalidDataException or FileNotFoundException or InvalidOperationException or ArgumentException)
                {
                    line.Stop();
                    return ErrorReporter.BadInput(stderr, ex);
                }
            }
        });
        return command;
    }

    private static string Describe(LabelProgress p)
    {
        double perFrame = p.Labelled > 0 ? p.Elapsed.TotalSeconds / p.Labelled : 0;
        string of = p.Expected is { } expected ? $"/{expected - p.Resumed}" : string.Empty;
        string eta = p.Expected is { } total && p.Labelled > 0 ? $", {TimeSpan.FromSeconds(perFrame * Math.Max(0, total - p.Resumed - p.Labelled)):hh\\:mm\\:ss} left" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"labelled {p.Labelled}{of} frames, {p.Persons} persons ({p.Posed} with keypoints), {perFrame:0.00} s/frame{eta}");
    }
}
