using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Tracking.Zones;

namespace UniHCP.Pipeline.Hosting.Webhooks;

/// <summary>
/// Delivers stored zone and line events to one webhook: in store order, one POST per event (the event as JSON, signed:
/// <see cref="WebhookSignature"/>), its place kept in the store after each answer, so a restart resumes there (at least
/// once: a receiver that must not act twice keys on X-UniHCP-Event-Id). Network errors, timeouts, 408, 429 and 5xx are
/// retried with a doubling pause up to the webhook's MaxBackoff, for as long as it takes: nothing is skipped. Any other
/// 4xx means the receiver refuses that event: it goes to the dead letters with the answer, and delivery moves on. A new
/// webhook starts at the newest stored event (no flood of history).
/// </summary>
public sealed class WebhookDispatcher(WebhookOptions webhook, ZoneEventQueries events, ZoneEventLog log, DeadLetters deadLetters, HttpClient http,
    ILogger logger, TimeProvider? clock = null)
{
    private static readonly JsonSerializerOptions BodyJson = new(JsonSerializerDefaults.Web);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly HashSet<string> _kinds = webhook.Kinds.Select(k => ZoneEventKinds.Name(ZoneEventKinds.Parse(k)!.Value)).ToHashSet(StringComparer.Ordinal);
    private long _delivered;
    private long _refused;

    /// <summary>How often an idle dispatcher looks for new events.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The first pause after a failed attempt.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Refused => Interlocked.Read(ref _refused);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        long position = await log.WebhookCursorAsync(webhook.Url, cancellationToken).ConfigureAwait(false)
            ?? await StartAsync(cancellationToken).ConfigureAwait(false);
        var cameras = webhook.Cameras.Count > 0 ? webhook.Cameras : null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var rows = await events.AfterAsync(position, cameras, 100, cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                if (_kinds.Count == 0 || _kinds.Contains(row.Kind))
                    await DeliverAsync(row, cancellationToken).ConfigureAwait(false);
                position = row.Seq;
                await log.SetWebhookCursorAsync(webhook.Url, position, cancellationToken).ConfigureAwait(false);
            }
            if (rows.Count < 100)
                await Task.Delay(PollInterval, _clock, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<long> StartAsync(CancellationToken cancellationToken)
    {
        long latest = await events.LatestSeqAsync(cancellationToken).ConfigureAwait(false);
        await log.SetWebhookCursorAsync(webhook.Url, latest, cancellationToken).ConfigureAwait(false);
        return latest;
    }

    private async Task DeliverAsync(ZoneEventRow row, CancellationToken cancellationToken)
    {
        string body = JsonSerializer.Serialize(row, BodyJson);
        var pause = FirstBackoff;
        for (int attempt = 1; ; attempt++)
        {
            string reason;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(webhook.Timeout);
                long now = _clock.GetUtcNow().ToUnixTimeSeconds();
                using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
                request.Headers.Add(WebhookSignature.TimestampHeader, now.ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(webhook.Secret, now, body));
                request.Headers.Add(WebhookSignature.EventIdHeader, row.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
                using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                int status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _delivered);
                    return;
                }
                reason = $"answered {status} {response.ReasonPhrase}";
                if (status is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests))
                {
                    Interlocked.Increment(ref _refused);
                    WebhookLog.Refused(logger, webhook.Url, row.Seq, reason);
                    await deadLetters.AddAsync("webhook", $"{webhook.Url}#{row.Seq}", System.Text.Encoding.UTF8.GetBytes(body), $"{webhook.Url} {reason}", cancellationToken).ConfigureAwait(false);
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                reason = ex.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                reason = $"no answer within {webhook.Timeout.TotalSeconds:0.#} s";
            }
            WebhookLog.Retrying(logger, webhook.Url, row.Seq, attempt, reason, pause);
            await Task.Delay(pause, _clock, cancellationToken).ConfigureAwait(false);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, webhook.MaxBackoff.Ticks));
        }
    }
}
