using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace UniHCP.Pipeline.Kafka.Tests;

/// <summary>Keeps every log entry so that a test can check that something was logged, and how.</summary>
internal sealed class CollectingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
}
