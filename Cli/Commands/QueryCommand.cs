using System.CommandLine;
using System.Globalization;
using Npgsql;
using UniHCP.Pipeline.Api;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Core.Perception;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Store;
using UniHCP.Pipeline.Store.Queries;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp query tracks|attributes|similar|counts|dwell`: the operator queries, printed as tables.</summary>
internal static class QueryCommand
{
    private static readonly Option<string?> From = new("--from") { Description = "Window start, ISO 8601 (2026-11-20T10:00:00Z, or a date); default: 7 days before --to." };
    private static readonly Option<string?> To = new("--to") { Description = "Window end, ISO 8601; default: now." };
    private static readonly Option<string[]> Cameras = new("--camera") { Description = "Only these cameras (repeat or comma-separate).", AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int> Page = new("--page") { Description = "Page number.", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> PageSize = new("--page-size") { Description = $"Rows per page (at most {Paging.MaxPageSize}).", DefaultValueFactory = _ => 50 };

    public static Command Create()
    {
        var command = new Command("query", "Query the stored tracks (by window, attributes, similarity) and zone and line counts.");
        command.Subcommands.Add(Tracks());
        command.Subcommands.Add(Attributes());
        command.Subcommands.Add(Similar());
        command.Subcommands.Add(Counts());
        command.Subcommands.Add(Dwell());
        command.Subcommands.Add(Still());
        return command;
    }

    private static Command Tracks()
    {
        var command = new Command("tracks", "Tracks seen in a window, newest first.") { From, To, Cameras, Page, PageSize };
        command.SetAction((parse, ct) => RunAsync(parse, async (dataSource, window, output) =>
        {
            var page = await new TrackQueries(dataSource).ListAsync(window, new Paging(parse.GetValue(Page), parse.GetValue(PageSize)), ct);
            Print(output, page.Items.Select(t => new ScoredTrack(t, double.NaN)).ToList(), null);
            output.WriteLine($"{page.Items.Count} of {page.Total} tracks (page {page.PageNumber}).");
            if (page.Total == 0)
                await WriteEmptyHintAsync(dataSource, window, output, ct);
        }));
        return command;
    }

    private static Command Attributes()
    {
        var where = new Option<string[]>("--where", "-w") { Description = "Attribute condition: Female>=0.6, Hat<0.3, Backpack (= >=0.5). Repeat; all must hold.", AllowMultipleArgumentsPerToken = true };
        var upper = new Option<string?>("--upper") { Description = "Upper clothing colour (black, white, gray, red, orange, yellow, green, blue, purple, pink, brown)." };
        var lower = new Option<string?>("--lower") { Description = "Lower clothing colour." };
        var byIdentity = new Option<bool>("--by-identity") { Description = "One row per person across cameras (their best track)." };
        var command = new Command("attributes", "Tracks whose mean attributes meet every condition, ranked by how strongly.") { where, upper, lower, byIdentity, From, To, Cameras, Page, PageSize };
        command.SetAction((parse, ct) => RunAsync(parse, async (dataSource, window, output) =>
        {
            var query = new AttributeQuery(window, (parse.GetValue(where) ?? []).Select(AttributeCondition.Parse).ToList(),
                parse.GetValue(upper)?.ToLowerInvariant(), parse.GetValue(lower)?.ToLowerInvariant(),
                new Paging(parse.GetValue(Page), parse.GetValue(PageSize)), parse.GetValue(byIdentity));
            var page = await new AttributeSearch(dataSource).SearchAsync(query, ct);
            Print(output, page.Items, "Match");
            output.WriteLine($"{page.Items.Count} of {page.Total} {(query.ByIdentity ? "people" : "tracks")} (page {page.PageNumber}).");
            if (page.Total == 0)
                await WriteEmptyHintAsync(dataSource, window, output, ct);
        }));
        return command;
    }

    private static Command Similar()
    {
        var track = new Option<string?>("--track") { Description = "The example track as CAMERA/TRACK (e.g. sample/12)." };
        var image = new Option<FileInfo?>("--image") { Description = "The example as an image of one person (needs --weights)." };
        var weights = new Option<FileInfo?>("--weights") { Description = "Model weights with ReID, to embed --image." };
        var limit = new Option<int>("--limit") { Description = $"How many results (at most {Paging.MaxPageSize}).", DefaultValueFactory = _ => 20 };
        var command = new Command("similar", "Tracks ranked by ReID similarity to an example track or image.") { track, image, weights, limit, From, To, Cameras };
        command.SetAction((parse, ct) => RunAsync(parse, async (dataSource, window, output) =>
        {
            var query = new SimilarityQuery(window, parse.GetValue(limit));
            var search = new SimilarSearch(dataSource);
            IReadOnlyList<ScoredTrack>? results;
            string? trackText = parse.GetValue(track);
            var imageFile = parse.GetValue(image);
            if ((trackText is null) == (imageFile is null))
                throw new ArgumentException("give exactly one example: --track CAMERA/TRACK or --image FILE.");
            if (trackText is not null)
            {
                int slash = trackText.LastIndexOf('/');
                if (slash <= 0 || !long.TryParse(trackText[(slash + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out long id))
                    throw new ArgumentException($"--track '{trackText}' is not CAMERA/TRACK (e.g. sample/12).");
                results = await search.ByTrackAsync(trackText[..slash], id, query, ct)
                    ?? throw new ArgumentException($"--track: no track {trackText} in the store.");
            }
            else
            {
                var weightsFile = parse.GetValue(weights) ?? throw new ArgumentException("--image needs --weights (a model with ReID) to embed it.");
                if (!imageFile!.Exists)
                    throw new FileNotFoundException($"--image: '{imageFile.FullName}' does not exist.");
                if (!weightsFile.Exists)
                    throw new FileNotFoundException($"--weights: '{weightsFile.FullName}' does not exist.");
                // An example photo shows one near person: the whole image finds them; tiles would only cost passes.
                using var engine = new PerceptionEngineBuilder().WithWeights(weightsFile.FullName).WithOptions(new PerceptionOptions { Tasks = ["reid"], DetectionTiles = 1 }).Build();
                using var embedder = new ExampleEmbedder(engine);
                float[] embedding;
                try
                {
                    embedding = await embedder.EmbedAsync(await File.ReadAllBytesAsync(imageFile.FullName, ct), ct);
                }
                catch (ImageRejectedException ex)
                {
                    throw new ArgumentException($"--image: {ex.Message}", ex);
                }
                results = await search.ByEmbeddingAsync(embedding, query, ct);
            }
            Print(output, results, "Similarity");
            if (results.Count == 0)
                await WriteEmptyHintAsync(dataSource, window, output, ct);
        }));
        return command;
    }

    private static Command Counts()
    {
        var bucket = new Option<string>("--bucket") { Description = "Bucket length: 30s, 5m, 1h, 1d.", DefaultValueFactory = _ => "1h" };
        var csv = new Option<bool>("--csv") { Description = "Comma-separated values with a header line instead of a table." };
        var command = new Command("counts", "Line crossings in/out and zone enter/exit/dwell/crowding per time bucket (needs geometry in the Events section).") { bucket, csv, From, To, Cameras };
        command.SetAction((parse, ct) => RunAsync(parse, async (dataSource, window, output) =>
        {
            string text = parse.GetValue(bucket)!;
            if (!DurationParser.TryParse(text, out var length))
                throw new ArgumentException($"--bucket '{text}' is not a duration (30s, 5m, 1h, 1d).");
            var rows = await new CountQueries(dataSource).CountsAsync(window, length, ct);
            if (parse.GetValue(csv))
            {
                output.Write(CountCsv.Write(rows));
                return;
            }
            var cells = rows.Select(r => new[]
            {
                r.Bucket.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), r.Camera, r.Geometry, Cell(r.In), Cell(r.Out), Cell(r.Enter), Cell(r.Exit), Cell(r.Dwell), Cell(r.Crowding), Cell(r.PeakOccupancy),
            }).Prepend(["bucket", "camera", "zone/line", "in", "out", "enter", "exit", "dwell", "crowding", "peak"]).ToList();
            TextTable.Write(output, cells);
            output.WriteLine($"{rows.Count} rows; totals: in {rows.Sum(r => r.In)}, out {rows.Sum(r => r.Out)}, enter {rows.Sum(r => r.Enter)}, exit {rows.Sum(r => r.Exit)}.");
        }));
        return command;
    }

    private static Command Dwell()
    {
        var command = new Command("dwell", "How long visits to each zone lasted (visits that ended in the window).") { From, To, Cameras };
        command.SetAction((parse, ct) => RunAsync(parse, async (dataSource, window, output) =>
        {
            var zones = await new CountQueries(dataSource).DwellAsync(window, ct);
            var rows = zones.Select(z => new[]
            {
                z.Camera, z.Zone, Cell(z.Visits), Seconds(z.MedianSeconds), Seconds(z.P90Seconds), Seconds(z.MaxSeconds),
                string.Join(" ", z.Histogram.Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.FromSeconds:0}{(b.ToSeconds is { } to ? $"-{to:0}" : "+")}s:{b.Visits}"))),
            }).Prepend(["camera", "zone", "visits", "median", "p90", "max", "histogram"]).ToList();
            TextTable.Write(output, rows);
        }));
        return command;
    }

    private static Command Still()
    {
        var minDuration = new Option<string>("--min-duration") { Description = "Only tracks at least this long (90, 20s, 2m).", DefaultValueFactory = _ => "20s" };
        var maxSpread = new Option<double>("--max-spread") { Description = "Most the foot point may range, as a fraction of the box height.", DefaultValueFactory = _ => 0.2 };
        var command = new Command("still", "Long tracks whose foot point hardly moved - people standing still, or objects taken for persons - with ignore areas to check and paste into Inference:IgnoreAreas.") { minDuration, maxSpread, From, To, Cameras };
        command.SetAction((parse, ct) => RunAsync(parse, async (dataSource, window, output) =>
        {
            if (!DurationParser.TryParse(parse.GetValue(minDuration) ?? "", out var duration))
                throw new ArgumentException($"--min-duration: '{parse.GetValue(minDuration)}' is not a duration (90, 20s, 2m, 00:00:20).");
            var still = await new StillTrackQueries(dataSource).FindAsync(window, duration, parse.GetValue(maxSpread), ct);
            var rows = still.Select(t => new[]
            {
                t.CameraId, t.TrackId.ToString(CultureInfo.InvariantCulture), t.FirstSeen.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                Seconds(t.Duration.TotalSeconds), Cell(t.Observations),
                string.Create(CultureInfo.InvariantCulture, $"({t.FootX:0}, {t.FootY:0})"), string.Create(CultureInfo.InvariantCulture, $"{t.Spread:0} px"), string.Create(CultureInfo.InvariantCulture, $"{t.Height:0} px"),
            }).Prepend(["camera", "track", "first seen", "duration", "observations", "foot", "spread", "height"]).ToList();
            TextTable.Write(output, rows);
            output.WriteLine($"{still.Count} still tracks.");
            if (still.Count == 0)
                return;
            output.WriteLine("Ignore areas around them (check each on the camera's picture: a person who stood still is listed too), for the configuration;");
            output.WriteLine("the dashboard's \"Still tracks and ignore areas\" adds them to running pipelines (PUT /api/cameras/{camera}/ignore-areas):");
            WriteAreas(output, StillTrackQueries.SuggestAreas(still));
        }));
        return command;
    }

    // The configuration fragment, one area a line (the layout of docs/examples/ignore-areas-sample.json).
    private static void WriteAreas(TextWriter output, Dictionary<string, List<Core.Geometry.IgnoreArea>> areas)
    {
        output.WriteLine("{ \"Inference\": { \"IgnoreAreas\": {");
        int c = 0;
        foreach (var (camera, list) in areas)
        {
            output.WriteLine($"  {System.Text.Json.JsonSerializer.Serialize(camera)}: [");
            for (int i = 0; i < list.Count; i++)
            {
                string points = string.Join(", ", list[i].Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{{ \"X\": {p.X:0.#}, \"Y\": {p.Y:0.#} }}")));
                output.WriteLine($"    {{ \"Name\": {System.Text.Json.JsonSerializer.Serialize(list[i].Name)}, \"Points\": [ {points} ] }}{(i + 1 < list.Count ? "," : "")}");
            }
            output.WriteLine($"  ]{(++c < areas.Count ? "," : "")}");
        }
        output.WriteLine("} } }");
    }

    private static string Cell(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(double value) => string.Create(CultureInfo.InvariantCulture, $"{value:0.0} s");

    private static async Task WriteEmptyHintAsync(NpgsqlDataSource dataSource, TimeWindow window, TextWriter output, CancellationToken ct)
    {
        if (EmptyResultHint.For(await new TrackQueries(dataSource).CamerasAsync(ct), window) is { } hint)
            output.WriteLine(hint);
    }

    private static async Task<int> RunAsync(ParseResult parse, Func<NpgsqlDataSource, TimeWindow, TextWriter, Task> action)
    {
        var error = parse.InvocationConfiguration.Error;
        StoreOptions options;
        TimeWindow window;
        try
        {
            options = StoreConnection.Options(ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), []));
            window = QueryParameters.Window(parse.GetValue(From), parse.GetValue(To), parse.GetValue(Cameras), DateTimeOffset.UtcNow);
        }
        catch (Exception ex) when (ex is ConfigurationFileException or ArgumentException or QueryValidationException)
        {
            return ErrorReporter.BadInput(error, ex);
        }
        try
        {
            await using var dataSource = await StoreConnection.OpenAsync(options, CancellationToken.None);
            await action(dataSource, window, parse.InvocationConfiguration.Output);
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is ArgumentException or QueryValidationException or FileNotFoundException)
        {
            return ErrorReporter.BadInput(error, ex);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            error.WriteLine("error: " + StoreConnection.Describe(ex, options));
            return ExitCodes.PartialFailure;
        }
    }

    private static void Print(TextWriter output, IReadOnlyList<ScoredTrack> results, string? scoreName)
    {
        var rows = new List<string[]> { Header(scoreName) };
        foreach (var (t, score) in results)
        {
            var row = new List<string>
            {
                t.CameraId, t.TrackId.ToString(CultureInfo.InvariantCulture), t.IdentityId?.ToString(CultureInfo.InvariantCulture) ?? "-",
                t.FirstSeen.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                t.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
                t.Observations.ToString(CultureInfo.InvariantCulture), $"{t.UpperColor ?? "-"}/{t.LowerColor ?? "-"}",
            };
            if (scoreName is not null)
                row.Add(score.ToString("0.000", CultureInfo.InvariantCulture));
            rows.Add([.. row]);
        }
        TextTable.Write(output, rows);
    }

    private static string[] Header(string? scoreName) =>
        scoreName is null
            ? ["Camera", "Track", "Person", "First seen", "Duration", "Obs", "Upper/lower"]
            : ["Camera", "Track", "Person", "First seen", "Duration", "Obs", "Upper/lower", scoreName];
}
