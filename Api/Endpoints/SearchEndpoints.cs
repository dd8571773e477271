using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using UniHCP.Pipeline.Core.Perception;
using UniHCP.Pipeline.Store.Queries;

namespace UniHCP.Pipeline.Api.Endpoints;

/// <summary>Attribute search and search by example (a stored track or an uploaded image).</summary>
internal static class SearchEndpoints
{
    public static void Map(RouteGroupBuilder api, ApiOptions options)
    {
        api.MapGet("/search/attributes", async (AttributeSearch search, TimeProvider clock, CancellationToken ct,
                [FromQuery(Name = "where")] string[]? conditions, [FromQuery] string? upper, [FromQuery] string? lower,
                [FromQuery] string? from, [FromQuery] string? to, [FromQuery(Name = "camera")] string[]? cameras,
                [FromQuery] string? byIdentity, [FromQuery] string? page, [FromQuery] string? pageSize) =>
            {
                var query = new AttributeQuery(
                    QueryParameters.Window(from, to, cameras, clock.GetUtcNow()),
                    (conditions ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Select(AttributeCondition.Parse).ToList(),
                    Blank(upper)?.ToLowerInvariant(), Blank(lower)?.ToLowerInvariant(),
                    QueryParameters.Paging(page, pageSize), QueryParameters.Bool(byIdentity, "byIdentity"));
                return Results.Ok(await search.SearchAsync(query, ct));
            })
            .Produces<Page<ScoredTrack>>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("SearchAttributes")
            .WithSummary("Tracks whose mean attributes satisfy every condition (where=Female>=0.6&where=Hat<0.3&where=Backpack), with optional clothing colours (upper, lower), ranked and paged.");

        api.MapGet("/search/similar", async (SimilarSearch search, TimeProvider clock, CancellationToken ct,
                [FromQuery] string? camera, [FromQuery] string? track, [FromQuery] string? from, [FromQuery] string? to,
                [FromQuery(Name = "in")] string[]? cameras, [FromQuery] string? limit, [FromQuery] string? minSimilarity) =>
            {
                if (string.IsNullOrWhiteSpace(camera))
                    throw new QueryValidationException("camera", "give the example track as camera and track.");
                long id = QueryParameters.Long(track, "track");
                var query = Similarity(from, to, cameras, limit, minSimilarity, clock);
                var results = await search.ByTrackAsync(camera, id, query, ct);
                return results is null ? Problems.Status(StatusCodes.Status404NotFound, "Not found", $"no track {camera}/{id}.") : Results.Ok(results);
            })
            .Produces<IReadOnlyList<ScoredTrack>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).WithName("SearchSimilarToTrack").WithSummary("Tracks ranked by ReID similarity to an existing track (camera, track); candidates from the window and the cameras in 'in'.");

        api.MapPost("/search/similar", async (HttpRequest request, SimilarSearch search, TimeProvider clock, IServiceProvider services, CancellationToken ct,
                [FromQuery] string? from, [FromQuery] string? to, [FromQuery(Name = "in")] string[]? cameras,
                [FromQuery] string? limit, [FromQuery] string? minSimilarity) =>
            {
                var query = Similarity(from, to, cameras, limit, minSimilarity, clock);
                if (services.GetService(typeof(IPersonEmbedder)) is not IPersonEmbedder embedder)
                    return Problems.Status(StatusCodes.Status503ServiceUnavailable, "No model", "search by image needs the model: start 'unihcp serve' with weights that include ReID.");
                var upload = await Uploads.ReadImageAsync(request, options.MaxUploadBytes, ct);
                if (upload.Problem is not null)
                    return upload.Problem;
                float[] embedding;
                try
                {
                    embedding = await embedder.EmbedAsync(upload.Bytes, ct);
                }
                catch (ImageRejectedException ex)
                {
                    return Problems.Status(StatusCodes.Status422UnprocessableEntity, "Unusable image", ex.Message);
                }
                return Results.Ok(await search.ByEmbeddingAsync(embedding, query, ct));
            })
            .DisableAntiforgery()
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<IReadOnlyList<ScoredTrack>>().ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithName("SearchSimilarToImage")
            .WithSummary($"Tracks ranked by ReID similarity to an uploaded person crop (multipart field 'image': JPEG, PNG, BMP, GIF or WebP, at most {options.MaxUploadBytes / 1024} KiB).");
    }

    private static SimilarityQuery Similarity(string? from, string? to, string[]? cameras, string? limit, string? minSimilarity, TimeProvider clock)
    {
        var query = new SimilarityQuery(
            QueryParameters.Window(from, to, cameras, clock.GetUtcNow()),
            QueryParameters.Int(limit, "limit", 20, 1, Paging.MaxPageSize),
            QueryParameters.Double(minSimilarity, "minSimilarity", -1, -1, 1));
        query.Validate();
        return query;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
