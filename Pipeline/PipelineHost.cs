using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using UniHCP.Pipeline.Hosting.Options;

namespace UniHCP.Pipeline.Hosting;

/// <summary>
/// Builds the .NET Generic Host of a pipeline process from a configuration and the stages it hosts. With
/// Pipeline:HttpPort set, the process also serves /metrics (Prometheus text) and /healthz (JSON: each check, 200 when
/// ready, 503 when not) on Kestrel; without it, no port is opened. Pipeline:MetricsConsole prints the metrics every 10 s.
/// </summary>
public static class PipelineHost
{
    public static IHost Build(IConfiguration configuration, Action<IServiceCollection> addStages, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(addStages);
        // Only the two keys that decide whether to open a port are read here, and leniently: a bad value anywhere in the
        // section (an unknown transport) is reported by the strict, validated binding at start, not thrown from here.
        var pipeline = new PipelineOptions();
        var section = configuration.GetSection(PipelineOptions.SectionName);
        if (int.TryParse(section[nameof(PipelineOptions.HttpPort)], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int httpPort))
            pipeline.HttpPort = httpPort;
        if (section[nameof(PipelineOptions.HttpAddress)] is { } httpAddress)
            pipeline.HttpAddress = httpAddress;
        WebApplicationBuilder? web = null;
        IHostApplicationBuilder builder;
        if (pipeline.HttpPort is int port && IPAddress.TryParse(pipeline.HttpAddress, out var address))
        {
            web = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            web.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(address, port));
            web.Services.AddRouting();
            builder = web;
        }
        else
        {
            builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        }
        builder.Configuration.AddConfiguration(configuration);
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        addStages(builder.Services);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(StageMeters.All);
            if (web is not null)
                metrics.AddPrometheusExporter();
            if (pipeline.MetricsConsole)
                metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000);
        });

        IHost host;
        if (web is not null)
        {
            var app = web.Build();
            app.MapPrometheusScrapingEndpoint("/metrics");
            app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
            host = app;
        }
        else
        {
            host = ((HostApplicationBuilder)builder).Build();
        }
        host.Services.GetRequiredService<StageMeters>();
        return host;
    }

    /// <summary>Where the HTTP endpoint listens once the host has started (empty without one).</summary>
    public static IReadOnlyList<string> HttpAddresses(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
