using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Tracking.Zones;

/// <summary>One receiver of zone and line events (section Events:Webhooks).</summary>
public sealed class WebhookOptions
{
    /// <summary>Where each event is POSTed as JSON (http or https).</summary>
    public string Url { get; set; } = "";

    /// <summary>The shared secret of the signature header; at least 16 characters.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Only these kinds (enter, exit, dwell, line-in, line-out, crowding); empty: all.</summary>
    public List<string> Kinds { get; set; } = [];

    /// <summary>Only these cameras; empty: all.</summary>
    public List<string> Cameras { get; set; } = [];

    /// <summary>Longest wait for one answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest pause between retries (the pause doubles from a second up to this).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);

    public void Validate(int index)
    {
        string at = $"Events:Webhooks:{index}";
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"{at}:Url must be an http(s) URL; it is '{Url}'.");
        if (Secret.Length < 16)
            throw new ArgumentException($"{at}:Secret must be at least 16 characters (it signs every delivery).");
        foreach (string kind in Kinds)
        {
            if (ZoneEventKinds.Parse(kind) is null)
                throw new ArgumentException($"{at}:Kinds: '{kind}' is not an event kind (enter, exit, dwell, line-in, line-out, crowding).");
        }
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(5))
            throw new ArgumentException($"{at}:Timeout must be positive and at most 5 minutes; it is {Timeout}.");
        if (MaxBackoff < TimeSpan.FromSeconds(1) || MaxBackoff > TimeSpan.FromHours(1))
            throw new ArgumentException($"{at}:MaxBackoff must be 1 s to 1 hour; it is {MaxBackoff}.");
    }
}
