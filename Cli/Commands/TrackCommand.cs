using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Tracking.Mot;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp track --mot DIR`: tracks a MOTChallenge sequence from its det.txt and writes the results.</summary>
internal static class TrackCommand
{
    public static Command Create()
    {
        var mot = new Option<DirectoryInfo>("--mot") { Description = "A MOTChallenge sequence folder (seqinfo.ini, det/det.txt; gt/gt.txt is scored when present).", Required = true };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Results file (MOTChallenge format). Default: <sequence name>.txt in the current folder." };
        var highScore = new Option<float?>("--high-score") { Description = "Detections at or above this score enter the first association (default 0.6)." };
        var lowScore = new Option<float?>("--low-score") { Description = "Detections below this are discarded (default 0.1)." };
        var newTrack = new Option<float?>("--new-track-score") { Description = "Minimum score to start a track (default 0.7)." };
        var lostFrames = new Option<int?>("--lost-frames") { Description = "Frames a lost track is kept (converted to time with the sequence's frame rate; default 3 s)." };
        var predict = new Option<double?>("--predict-seconds") { Description = "How long a missed track is still written at its prediction when another box covers it (default 1; 0: only matched tracks)." };
        var command = new Command("track", "Track a MOTChallenge sequence from its detections (motion only) and write MOTChallenge results; score them when ground truth is there.")
        {
            mot, output, highScore, lowScore, newTrack, lostFrames, predict,
        };
        command.SetAction((parse, _) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                var sequence = MotSequence.Open(parse.GetValue(mot)!.FullName);
                // The configuration's Tracking:Camera (--config, UNIHCP_Tracking__Camera__*) over the MOT defaults, then the flags.
                var configuration = ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), []);
                var section = configuration.GetSection("Tracking:Camera");
                var defaults = ConfigurationLoader.BindOnto(configuration, "Tracking:Camera", MotTracking.MotDefaults with { });
                var options = defaults with
                {
                    HighScore = parse.GetValue(highScore) ?? defaults.HighScore,
                    LowScore = parse.GetValue(lowScore) ?? defaults.LowScore,
                    NewTrackScore = parse.GetValue(newTrack) ?? defaults.NewTrackScore,
                    LostTimeout = parse.GetValue(lostFrames) is { } frames ? TimeSpan.FromSeconds(frames / sequence.FrameRate) : defaults.LostTimeout,
                };
                options.Validate();
                var written = new MotOutputOptions();
                if (parse.GetValue(predict) is { } seconds)
                    written = written with { PredictedFor = TimeSpan.FromSeconds(seconds) };
                written.Validate();
                var result = MotTracking.Run(sequence, options, written);
                string path = parse.GetValue(output)?.FullName ?? Path.GetFullPath(sequence.Name + ".txt");
                MotFile.WriteResults(path, result.Rows);
                if (section.Exists())
                    stdout.WriteLine($"tracker settings: the configuration's Tracking:Camera ({string.Join(", ", section.GetChildren().Select(c => c.Key))}) over the MOT defaults");
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{sequence.Name}: {result.Frames} frames, {result.Detections} detections, {result.Rows.Select(r => r.Id).Distinct().Count()} tracks; {result.FramesPerSecond:0} frames/s; results: {path}"));
                if (!result.ScoresAreProbabilities)
                {
                    // Thresholds on another detector's scale pass or drop detections arbitrarily; say so rather than
                    // let a poor score be read as the tracker's.
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"note: the detection scores of {sequence.DetectionsPath} range from {result.ScoreRange.Min:0.###} to {result.ScoreRange.Max:0.###}; the score settings (--high-score {options.HighScore}, --low-score {options.LowScore}, --new-track-score {options.NewTrackScore}) are for scores between 0 and 1, as MOT17's FRCNN and SDP detections give: for another detector's scale (MOT17's DPM) give them on that scale."));
                }
                if (File.Exists(sequence.GroundTruthPath))
                    MotTable.Write(stdout, [(sequence.Name, MotEvaluator.Evaluate(MotFile.Read(sequence.GroundTruthPath), result.Rows))]);
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception ex) when (ex is FileNotFoundException or FormatException or ArgumentException or ConfigurationFileException)
            {
                return Task.FromResult(ErrorReporter.BadInput(parse.InvocationConfiguration.Error, ex));
            }
        });
        return command;
    }
}
