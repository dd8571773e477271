namespace UniHCP.Pipeline.Store.Stage;

/// <summary>What the store stage has written so far; read from any thread.</summary>
public sealed class StoreStageCounters
{
    private long _updates;
    private long _observations;
    private long _identityEvents;
    private long _deadLetters;
    private long _retries;
    private long _batches;
    private long _busyTicks;
    private long _indexed;

    /// <summary>Track updates (frames) committed.</summary>
    public long Updates => Interlocked.Read(ref _updates);

    /// <summary>Observations newly stored (replayed ones are not counted twice).</summary>
    public long Observations => Interlocked.Read(ref _observations);

    /// <summary>Identity events committed.</summary>
    public long IdentityEvents => Interlocked.Read(ref _identityEvents);

    /// <summary>Messages the database refused for good, kept in dead_letters.</summary>
    public long DeadLetters => Interlocked.Read(ref _deadLetters);

    /// <summary>Writes retried after a transient database error.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Transactions committed.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Time spent writing.</summary>
    public TimeSpan Busy => TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks));

    internal void AddWrite(int updates, int observations, TimeSpan elapsed)
    {
        Interlocked.Add(ref _updates, updates);
        Interlocked.Add(ref _observations, observations);
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _busyTicks, elapsed.Ticks);
    }

    /// <summary>Track units put into the similarity index by the embedding indexer.</summary>
    public long Indexed => Interlocked.Read(ref _indexed);

    internal void AddIndexed(int count) => Interlocked.Add(ref _indexed, count);

    internal void AddIdentityEvents(int count) => Interlocked.Add(ref _identityEvents, count);

    internal void AddDeadLetter() => Interlocked.Increment(ref _deadLetters);

    internal void AddRetry() => Interlocked.Increment(ref _retries);
}
