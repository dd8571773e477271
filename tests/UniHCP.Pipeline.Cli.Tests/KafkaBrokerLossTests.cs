using UniHCP.Pipeline.Hosting;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Store.Tests;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>The brokers of a Kafka run vanish mid-run: the run still ends, with a message, instead of draining for ever.</summary>
public sealed class KafkaBrokerLossTests(TestDatabase database) : IClassFixture<TestDatabase>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-broker-loss-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_run_whose_brokers_die_gives_up_its_stalled_drain_and_ends_with_exit_1()
    {
        var broker = PipelineTransport.StartMockBroker(partitions: 2);
        string config = Path.Combine(_dir, "appsettings.json");
        await File.WriteAllTextAsync(config, $$"""{ "Store": { "ConnectionString": "{{database.ConnectionString}}" }, "Pipeline": { "DrainStallSeconds": 3 } }""");
        // The whole sample (80 s of video) so that the sources are still reading when the brokers go.
        using var run = StageProcess.Start("run", "run", "-s", "lost=" + SampleVideo.Locate(), "--transport", "kafka", "--bootstrap", broker.BootstrapServers,
            "--duration", "4", "--tasks", "none", "--config", config);
        try
        {
            // Printed once the host started, which checked that the brokers answer.
            await run.WaitUntilAsync(() => Task.FromResult(run.Log.Contains("transport: Kafka at", StringComparison.Ordinal)));
        }
        finally
        {
            broker.Dispose();
        }

        Assert.True(await run.ExitsWithinAsync(TimeSpan.FromMinutes(3)), "the run did not end: " + run.Log);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("stopping: nothing has moved for 3 s while draining", run.Log, StringComparison.Ordinal);
        Assert.Contains("aborted: what was not yet committed was not stored", run.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Log, StringComparison.Ordinal);
    }
}
