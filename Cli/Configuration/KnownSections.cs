using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace UniHCP.Pipeline.Cli.Configuration;

/// <summary>
/// Refuses sections no command reads. Each section is bound strictly (a misspelt key inside it is an error), but a
/// misspelt section name - "Tracking:Tracker" for "Tracking:Camera" - would otherwise be skipped in silence and the
/// defaults run instead of what the operator wrote.
/// </summary>
internal static class KnownSections
{
    private static readonly string[] TopLevel = ["Logging", "ConnectionStrings", "Ingest", "Inference", "Tracking", "Store", "Pipeline", "Kafka", "Api", "Events", "$schema"];

    private static readonly Dictionary<string, string[]> Children = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Tracking"] = ["Camera", "Identities"],
    };

    public static void Check(IConfigurationRoot configuration)
    {
        var problems = new List<string>();
        foreach (var provider in configuration.Providers)
        {
            string? origin = provider switch
            {
                JsonConfigurationProvider json => json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? "").PhysicalPath ?? json.Source.Path,
                EnvironmentVariablesConfigurationProvider => "the environment (" + ConfigurationLoader.EnvironmentPrefix + "*)",
                _ => null, // the commands' own options: set by code, not typed as keys
            };
            if (origin is null)
                continue;
            bool environment = provider is EnvironmentVariablesConfigurationProvider;
            foreach (string name in provider.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                // The environment also holds plain UNIHCP_ variables of the scripts (UNIHCP_PG_PORT): only sections count there.
                if (environment && !provider.GetChildKeys([], name).Any())
                    continue;
                if (!TopLevel.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add($"unknown section '{name}' in {origin} (known: {string.Join(", ", TopLevel.SkipLast(1))})");
                    continue;
                }
                if (!Children.TryGetValue(name, out var children))
                    continue;
                foreach (string child in provider.GetChildKeys([], name).Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    if (!children.Contains(child, StringComparer.OrdinalIgnoreCase))
                        problems.Add($"unknown section '{name}:{child}' in {origin} (known: {string.Join(", ", children.Select(c => name + ":" + c))})");
                }
            }
        }
        if (problems.Count > 0)
            throw new ConfigurationFileException("Configuration: " + string.Join("; ", problems) + ".");
    }
}
