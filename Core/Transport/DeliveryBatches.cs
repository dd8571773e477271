using System.Runtime.CompilerServices;
using System.Threading.Channels;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport;

/// <summary>Reading a subscription in batches of what is already there, for stages whose work is cheaper per item in bulk
/// (a model batch, one database transaction).</summary>
public static class DeliveryBatches
{
    /// <summary>
    /// Yields batches of at most <paramref name="maxBatch"/> deliveries in arrival order: a batch waits for its first
    /// delivery, then takes only what has already arrived, so batching never adds latency when the stream is slow.
    /// Ends when the subscription ends; a fault of the subscription is rethrown after the batches before it.
    /// </summary>
    public static async IAsyncEnumerable<IReadOnlyList<Delivery<T>>> ReadBatchesAsync<T>(
        this ITopicSubscription<T> subscription, int maxBatch, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, ICameraEvent
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        // A small buffer between the subscription and the batches: what sits in it is what "already arrived".
        var buffer = Channel.CreateBounded<Delivery<T>>(new BoundedChannelOptions(maxBatch) { SingleReader = true, SingleWriter = true });
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var delivery in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                    await buffer.Writer.WriteAsync(delivery, cancellationToken).ConfigureAwait(false);
                buffer.Writer.Complete();
            }
            catch (Exception ex)
            {
                buffer.Writer.Complete(ex);
            }
        }, CancellationToken.None);

        var reader = buffer.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var batch = new List<Delivery<T>>(maxBatch);
            while (batch.Count < maxBatch && reader.TryRead(out var delivery))
                batch.Add(delivery);
            if (batch.Count > 0)
                yield return batch;
        }
        await pump.ConfigureAwait(false);
        await reader.Completion.ConfigureAwait(false); // rethrows the subscription's fault, if any
    }
}
