namespace UniHCP.Pipeline.Inference;

/// <summary>
/// Frees native handles a fixed time after they are handed in, oldest first. Each hand-in, and each
/// <see cref="ReleaseDue"/>, frees whatever has waited long enough: no thread of its own. Thread-safe.
/// </summary>
internal sealed class DelayedRelease(TimeSpan delay, Action<IntPtr> release)
{
    private readonly Lock _sync = new();
    private readonly Queue<(IntPtr Handle, long Since)> _pending = new();
    private readonly long _delayTicks = (long)(delay.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
    private long _deferred, _released;
    private int _count;

    /// <summary>Handles handed in so far.</summary>
    public long Deferred => Interlocked.Read(ref _deferred);

    /// <summary>Handles freed so far.</summary>
    public long Released => Interlocked.Read(ref _released);

    /// <summary>Handles waiting.</summary>
    public int Pending => Volatile.Read(ref _count);

    /// <summary>True while a handle waits (read without the lock: a cheap test before <see cref="ReleaseDue"/>).</summary>
    public bool HasPending => Volatile.Read(ref _count) > 0;

    /// <summary>Keeps <paramref name="handle"/> until <c>delay</c> after <paramref name="now"/> (a Stopwatch timestamp),
    /// and frees the handles whose time is up.</summary>
    public void Add(IntPtr handle, long now)
    {
        lock (_sync)
        {
            _pending.Enqueue((handle, now));
            Interlocked.Increment(ref _deferred);
            Volatile.Write(ref _count, _pending.Count);
            ReleaseDueLocked(now);
        }
    }

    /// <summary>Frees the handles that have waited <c>delay</c> by <paramref name="now"/>.</summary>
    public void ReleaseDue(long now)
    {
        lock (_sync)
            ReleaseDueLocked(now);
    }

    private void ReleaseDueLocked(long now)
    {
        while (_pending.TryPeek(out var oldest) && now - oldest.Since >= _delayTicks)
        {
            _pending.Dequeue();
            release(oldest.Handle);
            Interlocked.Increment(ref _released);
        }
        Volatile.Write(ref _count, _pending.Count);
    }
}
