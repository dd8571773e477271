using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;

namespace UniHCP.Pipeline.Core.Tests;

internal sealed record TestEvent(string CameraId, int Value) : ICameraEvent;

internal static class TestTopics
{
    public static Topic<TestEvent> Numbers { get; } = new("test.events");

    public static CameraNotice Notice(string camera, CameraNoticeKind kind = CameraNoticeKind.EndOfStream) =>
        new(camera, kind, DateTimeOffset.UnixEpoch, -1, "test");

    public static async Task<List<Delivery<TestEvent>>> ReadAllAsync(ITopicSubscription<TestEvent> subscription, CancellationToken cancellationToken = default)
    {
        var all = new List<Delivery<TestEvent>>();
        await foreach (var delivery in subscription.ReadAllAsync(cancellationToken))
            all.Add(delivery);
        return all;
    }
}
