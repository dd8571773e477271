using System.CommandLine;
using Microsoft.Extensions.Logging;
using Npgsql;
using UniHCP.Pipeline.Api;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Core.Perception;
using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>`unihcp serve`: the HTTP API and the dashboard over the store.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Where to listen, e.g. http://127.0.0.1:8080 (default: Api:Urls)." };
        var weights = new Option<FileInfo?>("--weights") { Description = "Model weights with ReID, for search by example image (without: that endpoint answers 503)." };
        var command = new Command("serve", "Serve the query API (OpenAPI at /openapi/v1.json) and the dashboard (/dashboard/) until Ctrl+C.") { urls, weights };
        command.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(urls), parse.GetValue(weights), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, string? urls, FileInfo? weights, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
        ApiOptions options;
        Store.StoreOptions storeOptions;
        try
        {
            configuration = ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), urls is null ? [] : [new("Api:Urls", urls)]);
            options = ConfigurationLoader.Bind<ApiOptions>(configuration, ApiOptions.SectionName);
            options.Validate();
            storeOptions = StoreConnection.Options(configuration);
            if (weights is { Exists: false })
                throw new FileNotFoundException($"--weights: '{weights.FullName}' does not exist.");
        }
        catch (Exception ex) when (ex is ConfigurationFileException or ArgumentException or FileNotFoundException)
        {
            return ErrorReporter.BadInput(error, ex);
        }

        using var loggerFactory = CliLogging.Create(configuration);
        if (await StoreConnection.TryOpenAsync(storeOptions, error, cancellationToken) is not { } dataSource)
            return ExitCodes.PartialFailure;
        await using var _ = dataSource;

        // An example photo shows one near person: the whole image finds them; tiles would only cost passes.
        using var engine = weights is null ? null : new PerceptionEngineBuilder().WithWeights(weights.FullName).WithOptions(new PerceptionOptions { Tasks = ["reid"], DetectionTiles = 1 }).Build();
        using var embedder = engine is null ? null : new ExampleEmbedder(engine);
        await using var host = ApiHost.Create(options, dataSource, embedder, new LoggerProviderAdapter(loggerFactory));
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            error.WriteLine($"error: cannot listen on {options.Urls}: {ex.Message} Choose another address with --urls or Api:Urls.");
            return ExitCodes.BadInput;
        }
        ServeBanner.Write(output, host, options.ApiKeys.Count == 0, embedder);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: stop gracefully.
        }
        await host.StopAsync(CancellationToken.None);
        return ExitCodes.Success;
    }

    /// <summary>Hands the CLI's logger factory to the web host as one provider.</summary>
    private sealed class LoggerProviderAdapter(ILoggerFactory factory) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

        public void Dispose()
        {
            // The factory belongs to the command.
        }
    }
}

/// <summary>What `serve` (and `run`) print so operators know where to look.</summary>
internal static class ServeBanner
{
    public static void Write(TextWriter output, ApiHost host, bool generatedKey, IPersonEmbedder? embedder)
    {
        string address = host.Addresses.FirstOrDefault() ?? "(unknown)";
        string key = host.Keys[0];
        output.WriteLine($"Dashboard: {address}/dashboard/#key={key}");
        output.WriteLine($"API:       {address}/api/... with header X-Api-Key: {key}" + (generatedKey ? "  (generated for this run; set Api:ApiKeys to keep one)" : string.Empty));
        output.WriteLine($"OpenAPI:   {address}/openapi/v1.json");
        output.WriteLine(embedder is null ? "Search by image: off (start with --weights to enable)" : $"Search by image: on (model {embedder.ModelVersion})");
        output.Flush();
    }
}
