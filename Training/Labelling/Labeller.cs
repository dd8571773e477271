using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>Which frames to label: every <see cref="Every"/>-th from <see cref="Start"/> up to (not including)
/// <see cref="End"/>, at most <see cref="MaxFrames"/>, for at most <see cref="Duration"/> of reading (a live source needs
/// an end: one of these two).</summary>
public sealed record LabelSelection(int Every = 3, long Start = 0, long? End = null, long? MaxFrames = null, TimeSpan? Duration = null)
{
    public bool Keeps(long index) => index >= Start && (End is null || index < End) && (index - Start) % Every == 0;

    public void Validate()
    {
        // Only the settings that are wrong are named: listing the unset ones as "(got )" reads as if they were the fault.
        var problems = new List<string>();
        if (Every < 1)
            problems.Add($"--every must be >= 1 (got {Every})");
        if (Start < 0)
            problems.Add($"--start must be >= 0 (got {Start})");
        if (End <= Start)
            problems.Add($"--end must be above --start (got {End} and {Start})");
        if (MaxFrames < 1)
            problems.Add($"--max-frames must be >= 1 (got {MaxFrames})");
        if (Duration <= TimeSpan.Zero)
            problems.Add($"--duration must be positive (got {Duration})");
        if (problems.Count > 0)
            throw new ArgumentException("Frame selection: " + string.Join("; ", problems) + ".");
    }

    /// <summary>A live source never ends by itself: it needs a frame count or a reading time.</summary>
    public void ValidateLive(string source)
    {
        Validate();
        if (MaxFrames is null && Duration is null && End is null)
            throw new ArgumentException($"'{source}' is a live source: give --max-frames, --end or --duration, or it is labelled until Ctrl+C and never written.");
    }
}

/// <summary>Progress of a labelling run.</summary>
public sealed record LabelProgress(int Labelled, int Resumed, long? Expected, int Persons, int Posed, TimeSpan Elapsed);

/// <summary>A finished (or interrupted) run: counts, and the output file when it was written.</summary>
public sealed record LabelRunSummary(int Labelled, int Resumed, int Persons, int Posed, IReadOnlyList<string> Skipped, TimeSpan Elapsed, string? Output);

/// <summary>
/// Labels a video file, a live source or a folder of images with a teacher into a COCO file, resumably (see
/// <see cref="LabelJournal"/>). Video frames are named "frame_NNNNNN" by their 0-based decoded index and carry
/// frame_index; images keep their path under the folder. An image that does not decode is skipped and reported.
/// </summary>
public sealed class Labeller(ITeacher teacher)
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];

    public async Task<LabelRunSummary> LabelAsync(string source, LabelSelection selection, string output, IProgress<LabelProgress>? progress, CancellationToken cancellationToken)
    {
        bool folder = Directory.Exists(source), live = !folder && !File.Exists(source);
        if (live)
            selection.ValidateLive(source);
        else
            selection.Validate();
        var header = new JsonObject
        {
            ["source"] = folder ? Path.GetFullPath(source) : File.Exists(source) ? Path.GetFullPath(source) : source,
            ["selection"] = new JsonObject { ["every"] = selection.Every, ["start"] = selection.Start, ["end"] = selection.End },
            ["teacher"] = new JsonObject(teacher.Provenance.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value))),
        };
        await using var journal = await LabelJournal.OpenAsync(output, header, cancellationToken).ConfigureAwait(false);
        // A live source's frames are numbered from 0 again on every connection: an earlier run's names would skip them.
        if (live && journal.Resumed > 0)
            throw new IOException($"'{LabelJournal.PathFor(output)}' holds an interrupted run of the live source '{source}', which cannot resume (its frames are new); delete it or choose another --out.");
        var run = new Run(journal, progress, folder ? null : await ExpectedAsync(source, selection, cancellationToken).ConfigureAwait(false));
        bool interrupted = false;
        try
        {
            if (folder)
                await LabelImagesAsync(source, selection, run, cancellationToken).ConfigureAwait(false);
            else
                await LabelVideoAsync(source, selection, run, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
        }
        if (interrupted)
            return run.Summary(null);
        var info = new JsonObject
        {
            ["description"] = "Machine labels (pseudo-labels) made by unihcp label; no person checked them.",
            ["date_created"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["labeller"] = header.DeepClone(),
            ["skipped"] = new JsonArray(run.Skipped.Select(s => (JsonNode)s).ToArray()),
        };
        await journal.FinishAsync(info, CancellationToken.None).ConfigureAwait(false);
        return run.Summary(output);
    }

    private async Task LabelVideoAsync(string source, LabelSelection selection, Run run, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (selection.Duration is { } duration)
            stop.CancelAfter(duration);
        int seen = 0;
        await VideoFrames.StreamAsync(source, i => selection.Keeps(i) && (selection.MaxFrames is null || seen < selection.MaxFrames), async frame =>
        {
            seen++;
            string name = $"frame_{frame.Index:D6}";
            if (!run.Journal.Contains(name))
            {
                var image = new JsonObject { ["file_name"] = name, ["width"] = frame.Width, ["height"] = frame.Height, ["frame_index"] = frame.Index };
                await run.LabelAsync(teacher, image, new RgbImage(frame.Width, frame.Height, frame.Rgb), cancellationToken).ConfigureAwait(false);
            }
            // A live source never ends by itself; a file is cut short once past the selection.
            if (selection.MaxFrames is { } max && seen >= max)
                await stop.CancelAsync().ConfigureAwait(false);
            else if (selection.End is { } end && frame.Index + 1 >= end)
                await stop.CancelAsync().ConfigureAwait(false);
        }, stop.Token).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task LabelImagesAsync(string folder, LabelSelection selection, Run run, CancellationToken cancellationToken)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            throw new FileNotFoundException($"The folder '{folder}' holds no images ({string.Join(", ", ImageExtensions)}).");
        var chosen = files.Where((_, i) => selection.Keeps(i)).Take((int)Math.Min(selection.MaxFrames ?? long.MaxValue, int.MaxValue)).ToList();
        run.Expected = chosen.Count;
        foreach (string name in chosen)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (run.Journal.Contains(name))
                continue;
            RgbImage picture;
            try
            {
                picture = ImageCodec.Decode(Path.Combine(folder, name));
            }
            catch (InvalidDataException ex)
            {
                run.Skipped.Add($"{name}: {ex.Message}");
                continue;
            }
            var image = new JsonObject { ["file_name"] = name, ["width"] = picture.Width, ["height"] = picture.Height };
            await run.LabelAsync(teacher, image, picture, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<long?> ExpectedAsync(string source, LabelSelection selection, CancellationToken cancellationToken)
    {
        long? frames = null;
        if (File.Exists(source))
        {
            try
            {
                frames = await VideoFrames.ExpectedFramesAsync(source, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException)
            {
                // The decoder reports what is wrong with the file, with its own words.
            }
        }
        long? end = selection.End is { } e && frames is { } f ? Math.Min(e, f) : selection.End ?? frames;
        long? selected = end is { } last ? Math.Max(0, (last - selection.Start + selection.Every - 1) / selection.Every) : null;
        return selection.MaxFrames is { } max ? Math.Min(max, selected ?? max) : selected;
    }

    /// <summary>The counters of one run.</summary>
    private sealed class Run(LabelJournal journal, IProgress<LabelProgress>? progress, long? expected)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _labelled, _persons, _posed;

        public LabelJournal Journal { get; } = journal;

        public long? Expected { get; set; } = expected;

        public List<string> Skipped { get; } = [];

        public async Task LabelAsync(ITeacher teacher, JsonObject image, RgbImage picture, CancellationToken cancellationToken)
        {
            var persons = await teacher.LabelAsync(picture, cancellationToken).ConfigureAwait(false);
            await Journal.AppendAsync(image, persons, cancellationToken).ConfigureAwait(false);
            _labelled++;
            _persons += persons.Count;
            _posed += persons.Count(p => p.Keypoints is not null);
            progress?.Report(new LabelProgress(_labelled, Journal.Resumed, Expected, _persons, _posed, _clock.Elapsed));
        }

        public LabelRunSummary Summary(string? output) => new(_labelled, Journal.Resumed, _persons, _posed, Skipped, _clock.Elapsed, output);
    }
}
