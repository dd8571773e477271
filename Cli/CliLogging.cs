using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace UniHCP.Pipeline.Cli;

/// <summary>Console logging for commands: one line per entry, on stderr so that stdout stays the command's result.</summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(IConfiguration configuration) => LoggerFactory.Create(builder => Configure(builder, configuration));

    public static void Configure(ILoggingBuilder builder, IConfiguration configuration) => builder
        .AddConfiguration(configuration.GetSection("Logging"))
        // The host's own "failed to start" entry repeats, with a stack trace, what the command reports in one line.
        .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss ";
            options.ColorBehavior = LoggerColorBehavior.Disabled;
        })
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
}
