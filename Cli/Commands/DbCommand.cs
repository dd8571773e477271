using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Store;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp db migrate|retention|index|pairs`: schema and data life cycle of the store.</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var command = new Command("db", "Manage the PostgreSQL store: schema migrations, retention, the similarity indexes and the identities' remembered pairs.");
        command.Subcommands.Add(Migrate());
        command.Subcommands.Add(Retention());
        command.Subcommands.Add(Index());
        command.Subcommands.Add(Pairs());
        return command;
    }

    private static Command Migrate()
    {
        var command = new Command("migrate", "Apply the schema migrations the database has not seen (safe to re-run; programs also do this on start).");
        command.SetAction((parse, ct) => RunAsync(parse, async (options, output) =>
        {
            await using var dataSource = StoreDataSource.Create(options);
            var applied = await SchemaMigrator.MigrateAsync(dataSource, ct);
            output.WriteLine(applied.Count == 0
                ? $"The schema is up to date (version {SchemaMigrator.Scripts.Max(s => s.Version)})."
                : $"Applied {string.Join(", ", applied)}.");
        }));
        return command;
    }

    private static Command Retention()
    {
        var olderThan = new Option<TimeSpan?>("--older-than")
        {
            Description = "Drop observations older than this: 30d, 12h, ... Default: Store:ObservationRetention (30 days).",
            CustomParser = result =>
            {
                string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (DurationParser.TryParse(text, out var age) && age >= TimeSpan.FromDays(1))
                    return age;
                result.AddError($"--older-than '{text}' is not a duration of at least one day (e.g. 30d).");
                return null;
            },
        };
        var command = new Command("retention", "Drop the day partitions of observations (and zone events) older than the retention age, then trim each camera over its disk budget (Store:CameraBudgets, Store:DefaultCameraBudget) oldest day first; tracks and identities stay.") { olderThan };
        command.SetAction((parse, ct) => RunAsync(parse, async (options, output) =>
        {
            var age = parse.GetValue(olderThan) ?? options.ObservationRetention;
            await using var dataSource = await StoreConnection.OpenAsync(options, ct);
            var dropped = await Store.Retention.DropOldPartitionsAsync(dataSource, age, DateTimeOffset.UtcNow, ct);
            output.WriteLine(dropped.Count == 0 ? $"No observations older than {age.TotalDays:0.#} days." : $"Dropped {dropped.Count} partitions: {string.Join(", ", dropped)}.");
            var budgets = options.CameraBudgetBytes;
            if (budgets.Count == 0 && options.DefaultCameraBudgetBytes is null)
                return;
            var (removed, over) = await RetentionBySize.TrimAsync(dataSource, budgets, options.DefaultCameraBudgetBytes, ct);
            foreach (var day in removed)
                output.WriteLine($"Camera '{day.Camera}' held {ByteSize.Format(day.CameraBytesBefore)} of its {ByteSize.Format(day.Budget)} budget: removed {day.Day:yyyy-MM-dd} ({day.Observations} observations, {day.Thumbnails} thumbnails, about {ByteSize.Format(day.EstimatedBytes)}).");
            foreach (var camera in over)
                output.WriteLine($"Camera '{camera.Camera}' still holds {ByteSize.Format(camera.Bytes)} (budget {ByteSize.Format(camera.Budget)}) in its newest day, which is kept.");
            if (removed.Count == 0 && over.Count == 0)
                output.WriteLine("Every camera is within its disk budget.");
        }));
        return command;
    }

    private static Command Pairs()
    {
        var forget = new Option<string?>("--forget") { Description = "Forget this camera's remembered pairs (every weights version): its next run learns its identity thresholds anew, e.g. after the camera was moved or re-aimed." };
        var command = new Command("pairs", "List the pairs of people seen together that the identities stage remembers per camera and weights version (its learned thresholds come from them; Tracking:Identities:RememberPairs), or forget one camera's.") { forget };
        command.SetAction((parse, ct) => RunAsync(parse, async (options, output) =>
        {
            await using var dataSource = await StoreConnection.OpenAsync(options, ct);
            var store = new CalibrationPairStore(dataSource);
            if (parse.GetValue(forget) is { } camera)
            {
                Core.Events.CameraId.Validate(camera, "--forget");
                int removed = await store.ForgetAsync(camera, ct);
                output.WriteLine(removed == 0 ? $"Nothing remembered for camera '{camera}'." : $"Forgot the pairs of camera '{camera}' ({removed} weights version(s)); its next run learns its thresholds anew.");
                return;
            }
            var rows = await store.ListAsync(ct);
            if (rows.Count == 0)
            {
                output.WriteLine("No pairs remembered yet (a run with ReID remembers them when a camera's input ends, and every minute of its video).");
                return;
            }
            TextTable.Write(output, [["camera", "weights", "pairs", "embedding", "updated"],
                .. rows.Select(r => new[] { r.CameraId, r.ModelVersion, r.Pairs.ToString(CultureInfo.InvariantCulture), r.EmbeddingLength.ToString(CultureInfo.InvariantCulture), r.Updated.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) })]);
        }));
        return command;
    }

    private static Command Index()
    {
        var batch = new Option<int>("--batch")
        {
            Description = "Tracks per transaction (1-100000; default 1000): larger passes are faster, smaller ones hold fewer rows locked at a time.",
            DefaultValueFactory = _ => 1000,
        };
        batch.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 100_000)
                result.AddError($"--batch must be 1-100000 (got {result.GetValueOrDefault<int>()}).");
        });
        var command = new Command("index", "Put every pending track's embedding into the similarity indexes, then build the per-camera indexes still missing: what a running store stage does by itself, for a store a stopped pipeline, an import or an API-only host left behind. Search answers meanwhile (pending tracks are ranked exactly).") { batch };
        command.SetAction((parse, ct) => RunAsync(parse, async (options, output) =>
        {
            await using var dataSource = await StoreConnection.OpenAsync(options, ct);
            var indexer = new EmbeddingIndexer(dataSource);
            long pending = await indexer.PendingAsync(ct);
            output.WriteLine($"{pending:N0} track(s) wait for the similarity index.");
            var clock = Stopwatch.StartNew();
            var reported = TimeSpan.Zero;
            long indexed = 0;
            int done;
            while ((done = await indexer.IndexPendingAsync(parse.GetValue(batch), ct)) > 0)
            {
                indexed += done;
                if (clock.Elapsed - reported >= TimeSpan.FromSeconds(5))
                {
                    reported = clock.Elapsed;
                    output.WriteLine($"  indexed {indexed:N0} of {pending:N0} ({indexed / clock.Elapsed.TotalSeconds:N0} tracks/s)");
                }
            }
            output.WriteLine($"Indexed {indexed:N0} track(s) in {clock.Elapsed.TotalSeconds:0.0} s.");

            long missing = await indexer.MissingCameraIndexesAsync(ct);
            if (missing == 0)
            {
                output.WriteLine("Every camera has its own similarity index.");
            }
            else
            {
                output.WriteLine($"Building {missing} per-camera similarity index(es) (writers go on meanwhile)...");
                clock.Restart();
                int built = await indexer.BuildCameraIndexesAsync(ct);
                output.WriteLine(built == 0
                    ? "Built none here: another store process holds the build lock and is building them."
                    : $"Built {built} in {clock.Elapsed.TotalSeconds:0.0} s.");
            }
            long left = await indexer.PendingAsync(ct);
            if (left > 0)
                output.WriteLine($"{left:N0} track(s) changed meanwhile (a pipeline is writing): its store stage indexes them, or run this again.");
        }));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Func<StoreOptions, TextWriter, Task> action)
    {
        var error = parse.InvocationConfiguration.Error;
        StoreOptions options;
        try
        {
            options = StoreConnection.Options(ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), []));
        }
        catch (Exception ex) when (ex is ConfigurationFileException or ArgumentException)
        {
            return ErrorReporter.BadInput(error, ex);
        }
        try
        {
            await action(options, parse.InvocationConfiguration.Output);
            return ExitCodes.Success;
        }
        catch (NpgsqlException ex)
        {
            error.WriteLine("error: " + StoreConnection.Describe(ex, options));
            return ExitCodes.PartialFailure;
        }
        catch (ArgumentException ex)
        {
            return ErrorReporter.BadInput(error, ex);
        }
    }
}
