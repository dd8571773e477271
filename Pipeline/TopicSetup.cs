using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Hosting.Options;

namespace UniHCP.Pipeline.Hosting;

/// <summary>Creates the pipeline's Kafka topics that are missing, when the host starts and before any stage opens its
/// subscriptions and publishers (in-process: nothing to do).</summary>
internal sealed class TopicSetup(PipelineTransport transport, IOptions<PipelineOptions> options, ILogger<TopicSetup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => transport.EnsureTopicsAsync(options.Value.Partitions, logger);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
