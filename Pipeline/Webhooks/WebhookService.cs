using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Tracking.Zones;

namespace UniHCP.Pipeline.Hosting.Webhooks;

/// <summary>Runs one <see cref="WebhookDispatcher"/> per configured webhook (Events:Webhooks) beside the events stage.</summary>
public sealed class WebhookService(IOptions<ZoneEventOptions> options, NpgsqlDataSource dataSource, ZoneEventLog log, ILoggerFactory loggers) : BackgroundService
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The dispatchers, once started.</summary>
    public IReadOnlyList<WebhookDispatcher> Dispatchers { get; private set; } = [];

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queries = new ZoneEventQueries(dataSource);
        var deadLetters = new DeadLetters(dataSource);
        var logger = loggers.CreateLogger<WebhookService>();
        Dispatchers = options.Value.Webhooks.Select(w => new WebhookDispatcher(w, queries, log, deadLetters, _http, logger)).ToList();
        return Task.WhenAll(Dispatchers.Select(d => RunAsync(d, stoppingToken)));
    }

    private static async Task RunAsync(WebhookDispatcher dispatcher, CancellationToken stoppingToken)
    {
        try
        {
            await dispatcher.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the place is stored.
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
