using System.Security.Cryptography;

namespace UniHCP.Pipeline.Api;

/// <summary>The "Api" configuration section.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Where to listen (e.g. "http://127.0.0.1:8080"; port 0 picks a free one). Default loopback 8080.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Accepted API keys (header X-Api-Key). When none is configured a random one is made per run and printed.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Largest accepted upload for search by example, in bytes. Default 4 MiB.</summary>
    public long MaxUploadBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How often the live streams (/api/events/stream, /api/cameras/{camera}/live) look for news in the store.</summary>
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public const int MinKeyLength = 16;

    public void Validate()
    {
        if (!Uri.TryCreate(Urls.Split(';')[0], UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new ArgumentException($"Api:Urls must be an http(s) URL such as http://127.0.0.1:8080 (got '{Urls}').");
        for (int i = 0; i < ApiKeys.Count; i++)
        {
            if (ApiKeys[i] is null || ApiKeys[i].Length < MinKeyLength)
                throw new ArgumentException($"Api:ApiKeys:{i} is shorter than {MinKeyLength} characters; use a long random key.");
        }
        if (MaxUploadBytes is < 1024 or > 64L * 1024 * 1024)
            throw new ArgumentException($"Api:MaxUploadBytes must be between 1 KiB and 64 MiB (got {MaxUploadBytes}).");
        if (EventPollInterval < TimeSpan.FromMilliseconds(50) || EventPollInterval > TimeSpan.FromMinutes(1))
            throw new ArgumentException($"Api:EventPollInterval must be between 50 ms and 1 minute (got {EventPollInterval}).");
    }

    /// <summary>A random key for a run without configured keys.</summary>
    public static string NewKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
