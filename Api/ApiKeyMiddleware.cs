using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace UniHCP.Pipeline.Api;

/// <summary>
/// Requires a configured key in the X-Api-Key header for everything under /api, before any
/// request body is read. The dashboard page, its assets, the OpenAPI document and /healthz are public.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, IReadOnlyList<string> keys)
{
    public const string Header = "X-Api-Key";

    private readonly byte[][] _keys = keys.Select(Encoding.UTF8.GetBytes).ToArray();

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            string? presented = context.Request.Headers[Header];
            if (string.IsNullOrEmpty(presented) || !Matches(presented))
            {
                string detail = string.IsNullOrEmpty(presented) ? $"send an API key in the {Header} header." : "the API key is not valid.";
                await Problems.WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", detail).ConfigureAwait(false);
                return;
            }
        }
        await next(context).ConfigureAwait(false);
    }

    // Compares against every key in constant time so timing does not reveal a key's prefix.
    private bool Matches(string presented)
    {
        var bytes = Encoding.UTF8.GetBytes(presented);
        bool match = false;
        foreach (var key in _keys)
            match |= CryptographicOperations.FixedTimeEquals(bytes, key);
        return match;
    }
}
