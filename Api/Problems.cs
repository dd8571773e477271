using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Npgsql;
using UniHCP.Pipeline.Store.Queries;

namespace UniHCP.Pipeline.Api;

/// <summary>Problem-details responses (RFC 9457) for every error the API returns.</summary>
internal static partial class Problems
{
    public static IResult BadParameter(QueryValidationException ex) =>
        Results.Problem(title: "Invalid request", detail: ex.Message, statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["parameter"] = ex.Parameter });

    public static IResult Status(int status, string title, string detail) => Results.Problem(title: title, detail: detail, statusCode: status);

    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ProblemDetails { Status = status, Title = title, Detail = detail }, options: null, contentType: "application/problem+json");
    }

    /// <summary>Turns exceptions that escape an endpoint into problem details: bad input is 400, an unreachable store 503, the rest 500 without internals.</summary>
    public static async Task HandleAsync(HttpContext context, RequestDelegate next, ILogger logger)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (QueryValidationException ex) when (!context.Response.HasStarted)
        {
            await BadParameter(ex).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, ex.StatusCode, "Bad request", BodyProblem(ex)).ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException && !context.Response.HasStarted)
        {
            StoreUnreachable(logger, ex);
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Store unavailable", "the database cannot be reached; try again shortly.").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            Unhandled(logger, ex, context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, "Internal error", "the request failed; the server log has the details.").ConfigureAwait(false);
        }
    }

    /// <summary>Problem details for a bare status code from the framework (an unknown route, a method or a body type an endpoint
    /// does not take): the endpoint selection answers 415 before the endpoint runs, so its own hint never shows.</summary>
    public static Task WriteStatusAsync(HttpContext context)
    {
        var request = context.Request;
        int status = context.Response.StatusCode;
        string detail = status == StatusCodes.Status415UnsupportedMediaType
            ? $"{request.Method} {request.Path} does not take a body of type '{request.ContentType ?? "none"}': JSON bodies need Content-Type: application/json, "
              + "image uploads multipart/form-data with the file in a field named 'image' (the OpenAPI document at /openapi/v1.json lists each endpoint's)."
            : $"{request.Method} {request.Path} answered {status}.";
        return WriteAsync(context, status, "Request failed", detail);
    }

    // A body that is not the JSON an endpoint takes. The serializer's own message names the place ($.zones[0].points,
    // line and byte) and, for an unknown field, the field; the framework's wrapper adds only its parameter's .NET type.
    private static string BodyProblem(BadHttpRequestException ex)
    {
        if (ex.InnerException is not System.Text.Json.JsonException json)
            return ex.Message;
        string message = json.Message;
        if (json.Path is { Length: > 0 } path && !message.Contains(path, StringComparison.Ordinal))
            message += $" (at {path})";
        return $"the request body is not the JSON this endpoint takes: {message}";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The store is unreachable")]
    private static partial void StoreUnreachable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error for {Method} {Path}")]
    private static partial void Unhandled(ILogger logger, Exception exception, string method, PathString path);
}
