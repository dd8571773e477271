using System.Diagnostics.CodeAnalysis;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport;

/// <summary>
/// One message read from a topic: either an event of type <typeparamref name="T"/> or a
/// <see cref="CameraNotice"/>, with its position in the camera's partition.
/// </summary>
public readonly struct Delivery<T> where T : class, ICameraEvent
{
    private Delivery(T? @event, CameraNotice? notice, int partition, long offset)
    {
        Event = @event;
        Notice = notice;
        Partition = partition;
        Offset = offset;
    }

    /// <summary>The event, or null when this delivery is a notice.</summary>
    public T? Event { get; }

    /// <summary>The notice, or null when this delivery is an event.</summary>
    public CameraNotice? Notice { get; }

    /// <summary>The partition (in-process: the camera's lane number) the message was read from.</summary>
    public int Partition { get; }

    /// <summary>Position within <see cref="Partition"/>; strictly increasing per partition.</summary>
    public long Offset { get; }

    [MemberNotNullWhen(true, nameof(Notice))]
    [MemberNotNullWhen(false, nameof(Event))]
    public bool IsNotice => Notice is not null;

    public string CameraId => Notice?.CameraId ?? Event!.CameraId;

    public static Delivery<T> ForEvent(T @event, int partition, long offset)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return new Delivery<T>(@event, null, partition, offset);
    }

    public static Delivery<T> ForNotice(CameraNotice notice, int partition, long offset)
    {
        ArgumentNullException.ThrowIfNull(notice);
        return new Delivery<T>(null, notice, partition, offset);
    }

    public override string ToString() =>
        IsNotice ? $"notice {Notice.Kind} of '{CameraId}' @{Partition}:{Offset}" : $"{typeof(T).Name} of '{CameraId}' @{Partition}:{Offset}";
}
