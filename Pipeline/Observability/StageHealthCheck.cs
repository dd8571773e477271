using Microsoft.Extensions.Diagnostics.HealthChecks;
using UniHCP.Pipeline.Hosting.Stages;

namespace UniHCP.Pipeline.Hosting;

/// <summary>
/// /healthz for the stages of this process: ready when every stage is running with its input assigned (over Kafka:
/// the group gave it partitions) or has completed; unhealthy when one failed or is not ready yet, with which and why.
/// </summary>
public sealed class StageHealthCheck(StageMonitor monitor, IEnumerable<StageService> stages) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var byName = stages.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var status in monitor.Stages)
        {
            data[status.Name] = status.State.ToString();
            switch (status.State)
            {
                case StageState.Failed:
                    problems.Add($"{status.Name} failed: {status.Error?.Message}");
                    break;
                case StageState.Starting or StageState.Stopped:
                    problems.Add($"{status.Name} is {status.State.ToString().ToLowerInvariant()}");
                    break;
                case StageState.Running when byName.TryGetValue(status.Name, out var stage) && !stage.InputAssigned:
                    problems.Add($"{status.Name} has no input partitions assigned yet");
                    break;
            }
        }
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy("stages ready", data)
            : HealthCheckResult.Unhealthy(string.Join("; ", problems), data: data));
    }
}
