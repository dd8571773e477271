namespace UniHCP.Pipeline.Core.Events;

/// <summary>
/// A record that travels between stages. Every such record belongs to one camera: the camera id
/// is the partition key of every transport, so one camera's events keep their order.
/// </summary>
public interface ICameraEvent
{
    /// <summary>The configured camera id (see <see cref="CameraId"/> for the allowed form).</summary>
    string CameraId { get; }
}
