using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace UniHCP.Pipeline.Hosting.Webhooks;

/// <summary>
/// The signature of a webhook delivery: HMAC-SHA256 with the webhook's secret over "TIMESTAMP.BODY" (the Unix time in
/// seconds of the X-UniHCP-Timestamp header, a dot, the raw body), sent as X-UniHCP-Signature: sha256=HEX. Signing the
/// timestamp lets a receiver refuse old deliveries replayed by someone else.
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-UniHCP-Signature";
    public const string TimestampHeader = "X-UniHCP-Timestamp";
    public const string EventIdHeader = "X-UniHCP-Event-Id";

    public static string Sign(string secret, long unixSeconds, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + "." + body));
        return "sha256=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>What a receiver checks (in constant time).</summary>
    public static bool Verify(string secret, long unixSeconds, string body, string signature) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, unixSeconds, body)), Encoding.ASCII.GetBytes(signature));
}
