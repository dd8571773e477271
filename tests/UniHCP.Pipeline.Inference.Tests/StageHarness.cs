using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Inference.Stage;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Runs an inference stage over the in-process transport: the frames in, each camera's end of stream after
/// its last frame when asked, everything it published out (observations and notices, in order).</summary>
internal static class StageHarness
{
    public static async Task<List<Delivery<PersonObservations>>> RunAsync(InferenceStage stage, IReadOnlyList<VideoFrame> frames, bool endStreams = false)
    {
        await using var transport = new InProcessTransport();
        var input = transport.Subscribe(Topics.Frames, "inference");
        var output = transport.Subscribe(Topics.Persons, "test");
        var running = stage.RunAsync(input, transport.CreatePublisher(Topics.Persons), CancellationToken.None);
        var publisher = transport.CreatePublisher(Topics.Frames);
        foreach (var frame in frames)
            await publisher.PublishAsync(frame, OverflowPolicy.Wait, CancellationToken.None);
        foreach (string camera in endStreams ? frames.Select(f => f.CameraId).Distinct() : [])
            await publisher.PublishNoticeAsync(new CameraNotice(camera, CameraNoticeKind.EndOfStream, DateTimeOffset.UnixEpoch, frames.Last(f => f.CameraId == camera).Sequence), CancellationToken.None);
        publisher.Complete();
        var published = new List<Delivery<PersonObservations>>();
        await foreach (var delivery in output.ReadAllAsync(CancellationToken.None))
            published.Add(delivery);
        await running;
        return published;
    }
}
