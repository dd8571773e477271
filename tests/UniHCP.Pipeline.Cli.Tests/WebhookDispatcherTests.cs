using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Hosting.Webhooks;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Tests;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Tracking.Zones;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>Webhook delivery against a real HTTP receiver on 127.0.0.1 that fails, refuses and accepts.</summary>
public sealed class WebhookDispatcherTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private const string Secret = "0123456789abcdef-secret";
    private static readonly DateTimeOffset T0 = new(2026, 10, 6, 9, 0, 0, TimeSpan.Zero);

    private sealed record Received(int Status, long Track, string EventId, bool SignatureValid);

    [Fact]
    public async Task Events_are_delivered_in_order_signed_retried_through_failures_refusals_go_to_dead_letters_and_a_restart_resends_nothing()
    {
        var log = new ZoneEventLog(database.DataSource);
        await log.CommitAsync([Event(100, ZoneEventKind.LineIn, 0)], [], default); // before the webhook existed: not sent
        var (listener, port) = Listen();
        using var owned = listener;
        var received = new ConcurrentQueue<Received>();
        int requests = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var receiver = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync().WaitAsync(stop.Token);
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
                string body = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
                long track = JsonDocument.Parse(body).RootElement.GetProperty("trackId").GetInt64();
                bool valid = WebhookSignature.Verify(Secret, long.Parse(context.Request.Headers[WebhookSignature.TimestampHeader]!, System.Globalization.CultureInfo.InvariantCulture),
                    body, context.Request.Headers[WebhookSignature.SignatureHeader] ?? "");
                int n = Interlocked.Increment(ref requests);
                int status = n <= 2 ? 503 : track == 3 ? 400 : 200; // down at first, then refuses track 3
                received.Enqueue(new Received(status, track, context.Request.Headers[WebhookSignature.EventIdHeader] ?? "", valid));
                context.Response.StatusCode = status;
                context.Response.Close();
            }
        });

        var webhook = new WebhookOptions { Url = $"http://127.0.0.1:{port}/hook/", Secret = Secret, Kinds = ["line-in", "line-out"], MaxBackoff = TimeSpan.FromSeconds(1) };
        using var http = new HttpClient();
        WebhookDispatcher Dispatcher() => new(webhook, new ZoneEventQueries(database.DataSource), log, new DeadLetters(database.DataSource), http, NullLogger.Instance)
            { PollInterval = TimeSpan.FromMilliseconds(50), FirstBackoff = TimeSpan.FromMilliseconds(20) };

        using (var firstRun = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
        {
            var dispatcher = Dispatcher();
            var running = dispatcher.RunAsync(firstRun.Token);
            await WaitAsync(async () => await log.WebhookCursorAsync(webhook.Url, default) is not null, stop.Token);
            await log.CommitAsync([
                Event(1, ZoneEventKind.LineIn, 1), Event(2, ZoneEventKind.Exit, 1), Event(3, ZoneEventKind.LineIn, 2),
                Event(4, ZoneEventKind.LineIn, 3), Event(5, ZoneEventKind.LineOut, 4)], [], default);
            await WaitAsync(() => Task.FromResult(dispatcher.Delivered == 3), stop.Token);
            Assert.Equal(1, dispatcher.Refused);
            await firstRun.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        var answers = received.ToList();
        Assert.Equal([(503, 1L), (503, 1L), (200, 1L), (200, 2L), (400, 3L), (200, 4L)], answers.Select(r => (r.Status, r.Track)));
        Assert.All(answers, r => Assert.True(r.SignatureValid));
        Assert.Equal(answers[0].EventId, answers[2].EventId);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("select count(*) from dead_letters where source = 'webhook' and reason like '%400%'"));
        Assert.Equal(await new ZoneEventQueries(database.DataSource).LatestSeqAsync(), await log.WebhookCursorAsync(webhook.Url, default));

        // A restart resumes at its stored place: nothing is sent again.
        using (var secondRun = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
        {
            var running = Dispatcher().RunAsync(secondRun.Token);
            await Task.Delay(500, stop.Token);
            await secondRun.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }
        Assert.Equal(answers.Count, received.Count);
        await stop.CancelAsync();
        await receiver;
    }

    private static ZoneEvent Event(long frame, ZoneEventKind kind, long track) =>
        new("hook-cam", frame, T0.AddSeconds(frame), kind, kind is ZoneEventKind.LineIn or ZoneEventKind.LineOut ? "door" : "desk", 1, track, null, TimeSpan.Zero, 0);

    // A free port: another process can take the probed one before the listener binds it, so a few tries.
    private static (HttpListener Listener, int Port) Listen()
    {
        for (int attempt = 0; ; attempt++)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                listener.Close();
            }
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition())
            await Task.Delay(20, cancellationToken);
    }
}
