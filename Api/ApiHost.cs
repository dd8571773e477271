using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.OpenApi;
using Npgsql;
using UniHCP.Pipeline.Api.Endpoints;
using UniHCP.Pipeline.Core.Perception;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Api;

/// <summary>
/// Builds and runs the HTTP API and dashboard over a store. The embedder is optional: without it
/// search by image answers 503 and everything else works.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiHost(WebApplication app, IReadOnlyList<string> keys)
    {
        _app = app;
        Keys = keys;
    }

    /// <summary>The accepted API keys (the configured ones, or the one made for this run).</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>The addresses listened on, once started (port 0 resolved).</summary>
    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    public static ApiHost Create(ApiOptions options, NpgsqlDataSource dataSource, IPersonEmbedder? embedder = null, ILoggerProvider? logging = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataSource);
        options.Validate();
        var keys = options.ApiKeys.Count > 0 ? options.ApiKeys.ToList() : [ApiOptions.NewKey()];

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxUploadBytes + 64 * 1024);
        builder.Logging.ClearProviders();
        if (logging is not null)
            builder.Logging.AddProvider(logging);
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton(clock ?? TimeProvider.System);
        if (embedder is not null)
            builder.Services.AddSingleton(embedder);
        builder.Services.AddSingleton<TrackQueries>();
        builder.Services.AddSingleton<StillTrackQueries>();
        builder.Services.AddSingleton<AttributeSearch>();
        builder.Services.AddSingleton<SimilarSearch>();
        builder.Services.AddSingleton<DashboardQueries>();
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddSingleton<ZoneEventLog>();
        builder.Services.AddSingleton<IgnoreAreaStore>();
        builder.Services.AddSingleton<ZoneEventQueries>();
        builder.Services.AddSingleton<CountQueries>();
        builder.Services.AddSingleton<LiveBoxQueries>();
        builder.Services.AddSingleton<CameraSnapshots>();
        builder.Services.AddProblemDetails();
        // Binding failures (a JSON body that does not parse) reach Problems with their reason instead of a bare 400.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // A misspelt or unknown field in a JSON body (a zone's "polygon" for "points") is refused by name instead of being
        // dropped, which would leave the operator with a confusing "needs at least 3 points; it has 0".
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow);
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "UniHCP.Pipeline API";
            document.Info.Description = $"Operator queries over stored tracks. Every /api endpoint needs the {ApiKeyMiddleware.Header} header.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyMiddleware.Header,
                Description = "An API key from the Api:ApiKeys configuration.",
            };
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("UniHCP.Pipeline.Api");
        app.Use((context, next) => Problems.HandleAsync(context, ctx => next(ctx), logger));
        app.UseStatusCodePages(async status =>
        {
            // Bare status codes from the framework (404 for unknown routes, 405) get problem details too.
            if (status.HttpContext.Response.ContentLength is null && string.IsNullOrEmpty(status.HttpContext.Response.ContentType))
                await Problems.WriteStatusAsync(status.HttpContext).ConfigureAwait(false);
        });
        app.UseMiddleware<ApiKeyMiddleware>((IReadOnlyList<string>)keys);
        app.MapOpenApi();
        var api = app.MapGroup("/api");
        TrackEndpoints.Map(api);
        SearchEndpoints.Map(api, options);
        DashboardEndpoints.Map(api, app);
        EventEndpoints.Map(api, options);
        IgnoreAreaEndpoints.Map(api);
        CameraLiveEndpoints.Map(api, options);
        return new ApiHost(app, keys);
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
