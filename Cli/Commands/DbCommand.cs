using System.CommandLine;
using Npgsql;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Store;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp db migrate|retention`: schema and data life cycle of the store.</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var command = new Command("db", "Manage the PostgreSQL store: schema migrations and retention.");
        command.Subcommands.Add(Migrate());
        command.Subcommands.Add(Retention());
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
    }
}
