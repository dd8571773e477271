using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Kafka.Tests;

/// <summary>A process pointed at no broker: it stops at its start with the servers named, and the clients' retries do
/// not flood the log meanwhile.</summary>
public sealed class UnreachableBrokerTests(KafkaBroker broker) : IClassFixture<KafkaBroker>
{
    [Fact]
    public async Task A_broker_that_does_not_answer_is_reported_within_the_connect_timeout_and_logged_once_per_kind()
    {
        var logger = new CollectingLogger();
        string servers = $"127.0.0.1:{ClosedPort()}";
        await using var transport = new KafkaTransport(new KafkaTransportOptions { BootstrapServers = servers, ConnectTimeoutMs = 1500 }, logger: logger);

        var error = Assert.Throws<KafkaException>(transport.EnsureReachable);

        Assert.Contains($"no broker answered at {servers} within 1.5 s", error.Message, StringComparison.Ordinal);
        // librdkafka retried the connection many times in those 1.5 s; each kind of error was logged once.
        var warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.NotEmpty(warnings);
        Assert.True(warnings.Count <= 6, string.Join("\n", warnings));
    }

    [Fact]
    public async Task A_running_broker_passes_the_check()
    {
        await using var transport = broker.Transport();

        transport.EnsureReachable();
    }

    [Fact]
    public void The_throttle_admits_one_error_per_client_and_kind_per_window_and_counts_the_rest()
    {
        long now = 0;
        var throttle = new ErrorThrottle(TimeSpan.FromSeconds(30), () => now);

        Assert.True(throttle.Admit("producer-1", "Local_Transport", out int held));
        Assert.Equal(0, held);
        Assert.False(throttle.Admit("producer-1", "Local_Transport", out _));
        Assert.True(throttle.Admit("consumer-2", "Local_Transport", out _)); // another client
        Assert.True(throttle.Admit("producer-1", "Local_AllBrokersDown", out _)); // another kind
        now = 29_999;
        Assert.False(throttle.Admit("producer-1", "Local_Transport", out _));
        now = 30_000;
        Assert.True(throttle.Admit("producer-1", "Local_Transport", out held));
        Assert.Equal(2, held);
    }

    private static int ClosedPort()
    {
        // A port that was free a moment ago: nothing listens there.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
