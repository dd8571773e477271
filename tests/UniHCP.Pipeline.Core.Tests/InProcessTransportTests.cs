using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using static UniHCP.Pipeline.Core.Tests.TestTopics;

namespace UniHCP.Pipeline.Core.Tests;

public sealed class InProcessTransportTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Every_group_receives_every_message_in_per_camera_order()
    {
        await using var bus = new InProcessTransport(new InProcessTransportOptions { DefaultLaneCapacity = 8 });
        var tracking = bus.Subscribe(Numbers, "tracking");
        var store = bus.Subscribe(Numbers, "store");
        var publisher = bus.CreatePublisher(Numbers);
        var readTracking = ReadAllAsync(tracking);
        var readStore = ReadAllAsync(store);

        for (int i = 0; i < 200; i++)
        {
            await publisher.PublishAsync(new TestEvent("cam-a", i), OverflowPolicy.Wait, default);
            await publisher.PublishAsync(new TestEvent("cam-b", 1000 + i), OverflowPolicy.Wait, default);
        }
        await publisher.PublishNoticeAsync(Notice("cam-a"), default);
        publisher.Complete();

        foreach (var received in new[] { await readTracking.WaitAsync(s_timeout), await readStore.WaitAsync(s_timeout) })
        {
            Assert.Equal(401, received.Count);
            Assert.Equal(Enumerable.Range(0, 200), received.Where(d => d.CameraId == "cam-a" && !d.IsNotice).Select(d => d.Event!.Value));
            Assert.Equal(Enumerable.Range(1000, 200), received.Where(d => d.CameraId == "cam-b").Select(d => d.Event!.Value));
            Assert.True(received.Last(d => d.CameraId == "cam-a").IsNotice, "the notice comes after the camera's events");
            foreach (var lane in received.GroupBy(d => d.Partition))
                Assert.Equal(lane.Select(d => d.Offset).Order(), lane.Select(d => d.Offset));
        }
    }

    [Fact]
    public async Task A_full_lane_holds_the_publisher_back_and_memory_stays_bounded()
    {
        await using var bus = new InProcessTransport(new InProcessTransportOptions { DefaultLaneCapacity = 4 });
        var subscription = bus.Subscribe(Numbers, "slow");
        var publisher = bus.CreatePublisher(Numbers);

        for (int i = 0; i < 4; i++)
            Assert.True(publisher.PublishAsync(new TestEvent("cam", i), OverflowPolicy.Wait, default).IsCompleted);
        var blocked = publisher.PublishAsync(new TestEvent("cam", 4), OverflowPolicy.Wait, default).AsTask();
        Assert.False(blocked.IsCompleted, "a publish into a full lane must wait for the consumer");

        var received = new List<int>();
        var consumer = Task.Run(async () =>
        {
            await foreach (var delivery in subscription.ReadAllAsync(default))
            {
                received.Add(delivery.Event!.Value);
                await Task.Yield();
            }
        });
        await blocked.WaitAsync(s_timeout);
        for (int i = 5; i < 500; i++)
            await publisher.PublishAsync(new TestEvent("cam", i), OverflowPolicy.Wait, default);
        publisher.Complete();
        await consumer.WaitAsync(s_timeout);

        Assert.Equal(Enumerable.Range(0, 500), received);
        var lane = Assert.Single(bus.GetStatistics());
        Assert.True(lane.MaxDepth <= 4, $"queue depth reached {lane.MaxDepth}, above its capacity 4");
        Assert.Equal(0, lane.Dropped);
        Assert.Equal(500, lane.Enqueued);
    }

    [Fact]
    public async Task Drop_oldest_discards_the_oldest_events_counts_them_and_never_drops_a_notice()
    {
        await using var bus = new InProcessTransport(new InProcessTransportOptions { DefaultLaneCapacity = 4 });
        var subscription = bus.Subscribe(Numbers, "live");
        var publisher = bus.CreatePublisher(Numbers);

        await publisher.PublishNoticeAsync(Notice("cam", CameraNoticeKind.Connected), default);
        for (int i = 0; i < 10; i++)
        {
            var publish = publisher.PublishAsync(new TestEvent("cam", i), OverflowPolicy.DropOldest, default);
            Assert.True(publish.IsCompleted, "drop-oldest never waits while there is an event to drop");
            await publish;
        }
        publisher.Complete();
        var received = await ReadAllAsync(subscription).WaitAsync(s_timeout);

        Assert.True(received[0].IsNotice, "the notice queued first survives the overflow");
        Assert.Equal(new[] { 7, 8, 9 }, received.Skip(1).Select(d => d.Event!.Value));
        var lane = Assert.Single(bus.GetStatistics());
        Assert.Equal(7, lane.Dropped);
    }

    [Fact]
    public async Task A_producer_error_reaches_the_consumer_after_what_was_queued()
    {
        await using var bus = new InProcessTransport();
        var subscription = bus.Subscribe(Numbers, "g");
        var publisher = bus.CreatePublisher(Numbers);
        await publisher.PublishAsync(new TestEvent("cam", 1), OverflowPolicy.Wait, default);
        await publisher.PublishAsync(new TestEvent("cam", 2), OverflowPolicy.Wait, default);

        var received = new List<int>();
        var reading = Task.Run(async () =>
        {
            await foreach (var delivery in subscription.ReadAllAsync(default))
                received.Add(delivery.Event!.Value);
        });
        publisher.Complete(new IOException("decoder crashed"));

        var error = await Assert.ThrowsAsync<TopicFaultedException>(() => reading.WaitAsync(s_timeout));
        Assert.IsType<IOException>(error.InnerException);
        Assert.Contains("decoder crashed", error.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { 1, 2 }, received);
    }

    [Fact]
    public async Task A_consumer_waiting_on_an_empty_topic_sees_the_error_at_once()
    {
        await using var bus = new InProcessTransport();
        var subscription = bus.Subscribe(Numbers, "g");
        var publisher = bus.CreatePublisher(Numbers);
        var reading = ReadAllAsync(subscription);
        Assert.False(reading.IsCompleted);

        publisher.Complete(new InvalidOperationException("boom"));

        await Assert.ThrowsAsync<TopicFaultedException>(() => reading.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Cancelling_the_producer_drains_every_accepted_message_to_the_consumer()
    {
        await using var bus = new InProcessTransport(new InProcessTransportOptions { DefaultLaneCapacity = 3 });
        var subscription = bus.Subscribe(Numbers, "store");
        var publisher = bus.CreatePublisher(Numbers);
        using var stop = new CancellationTokenSource();
        int accepted = 0;
        var producer = Task.Run(async () =>
        {
            try
            {
                for (int i = 0; ; i++)
                {
                    await publisher.PublishAsync(new TestEvent(i % 2 == 0 ? "a" : "b", i), OverflowPolicy.Wait, stop.Token);
                    accepted++;
                    if (accepted == 50)
                        await stop.CancelAsync();
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                publisher.Complete();
            }
        });
        var received = new List<int>();
        await foreach (var delivery in subscription.ReadAllAsync(default).WithCancellation(default))
        {
            received.Add(delivery.Event!.Value);
            if (received.Count % 7 == 0)
                await Task.Delay(1);
        }
        await producer.WaitAsync(s_timeout);

        Assert.Equal(accepted, received.Count);
        Assert.Equal(Enumerable.Range(0, accepted), received.Order());
    }

    [Fact]
    public async Task A_cancelled_publish_leaves_no_copy_in_any_group()
    {
        await using var bus = new InProcessTransport(new InProcessTransportOptions { DefaultLaneCapacity = 1 });
        var fast = bus.Subscribe(Numbers, "fast");
        var slow = bus.Subscribe(Numbers, "slow");
        var publisher = bus.CreatePublisher(Numbers);
        await publisher.PublishAsync(new TestEvent("cam", 0), OverflowPolicy.Wait, default);
        await using (var fastReader = fast.ReadAllAsync(default).GetAsyncEnumerator())
        {
            Assert.True(await fastReader.MoveNextAsync()); // the fast group has room again, the slow one not
            using var cancel = new CancellationTokenSource();
            var publish = publisher.PublishAsync(new TestEvent("cam", 1), OverflowPolicy.Wait, cancel.Token).AsTask();
            Assert.False(publish.IsCompleted);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publish.WaitAsync(s_timeout));

            publisher.Complete();
            var restOfFast = new List<Delivery<TestEvent>>();
            while (await fastReader.MoveNextAsync())
                restOfFast.Add(fastReader.Current);
            Assert.DoesNotContain(restOfFast, d => d.Event?.Value == 1);
        }
        var slowReceived = await ReadAllAsync(slow).WaitAsync(s_timeout);
        Assert.DoesNotContain(slowReceived, d => d.Event?.Value == 1);
        Assert.Equal(0, slowReceived[0].Event!.Value);
    }

    [Fact]
    public async Task The_topic_ends_only_when_every_publisher_has_completed()
    {
        await using var bus = new InProcessTransport();
        var subscription = bus.Subscribe(Numbers, "g");
        var first = bus.CreatePublisher(Numbers);
        var second = bus.CreatePublisher(Numbers);
        var reading = ReadAllAsync(subscription);
        await first.PublishAsync(new TestEvent("a", 1), OverflowPolicy.Wait, default);
        first.Complete();
        await second.PublishAsync(new TestEvent("b", 2), OverflowPolicy.Wait, default);
        Assert.False(reading.IsCompleted);

        await second.DisposeAsync();

        Assert.Equal(2, (await reading.WaitAsync(s_timeout)).Count);
    }

    [Fact]
    public async Task Misuse_is_refused_with_a_message_that_says_why()
    {
        await using var bus = new InProcessTransport();
        var lonely = bus.CreatePublisher(Numbers);
        var noGroup = await Assert.ThrowsAsync<InvalidOperationException>(() => lonely.PublishAsync(new TestEvent("cam", 1), OverflowPolicy.Wait, default).AsTask());
        Assert.Contains("no consumer group", noGroup.Message, StringComparison.Ordinal);

        bus.Subscribe(Numbers, "early");
        await lonely.PublishAsync(new TestEvent("cam", 1), OverflowPolicy.Wait, default);
        var late = Assert.Throws<InvalidOperationException>(() => bus.Subscribe(Numbers, "late"));
        Assert.Contains("after publishing started", late.Message, StringComparison.Ordinal);

        var badCamera = await Assert.ThrowsAsync<ArgumentException>(() => lonely.PublishAsync(new TestEvent("no spaces allowed", 1), OverflowPolicy.Wait, default).AsTask());
        Assert.Contains("no spaces allowed", badCamera.Message, StringComparison.Ordinal);

        var wrongType = Assert.Throws<InvalidOperationException>(() => bus.CreatePublisher(new Topic<CameraNotice>(Numbers.Name)));
        Assert.Contains("carries TestEvent", wrongType.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => new Topic<TestEvent>("bad name!"));
        Assert.Throws<ArgumentException>(() => new InProcessTransport(new InProcessTransportOptions { DefaultLaneCapacity = 0 }));
    }

    [Fact]
    public async Task A_busy_camera_does_not_starve_a_quiet_one()
    {
        await using var bus = new InProcessTransport(new InProcessTransportOptions { DefaultLaneCapacity = 100 });
        var subscription = bus.Subscribe(Numbers, "g");
        var publisher = bus.CreatePublisher(Numbers);
        for (int i = 0; i < 100; i++)
            await publisher.PublishAsync(new TestEvent("busy", i), OverflowPolicy.Wait, default);
        for (int i = 0; i < 3; i++)
            await publisher.PublishAsync(new TestEvent("quiet", i), OverflowPolicy.Wait, default);
        publisher.Complete();

        var received = await ReadAllAsync(subscription).WaitAsync(s_timeout);

        int lastQuiet = received.FindLastIndex(d => d.CameraId == "quiet");
        Assert.True(lastQuiet < 10, $"the quiet camera's last event came at position {lastQuiet}; lanes are read round-robin");
    }

    [Fact]
    public async Task Concurrent_publishers_lose_and_duplicate_nothing()
    {
        await using var bus = new InProcessTransport(new InProcessTransportOptions { DefaultLaneCapacity = 2 });
        var subscription = bus.Subscribe(Numbers, "g");
        var publishers = Enumerable.Range(0, 4).Select(_ => bus.CreatePublisher(Numbers)).ToArray();
        var reading = ReadAllAsync(subscription);

        await Task.WhenAll(publishers.Select((publisher, p) => Task.Run(async () =>
        {
            for (int i = 0; i < 2000; i++)
                await publisher.PublishAsync(new TestEvent($"cam{p}", i), OverflowPolicy.Wait, default);
            publisher.Complete();
        })));
        var received = await reading.WaitAsync(s_timeout);

        Assert.Equal(8000, received.Count);
        foreach (var camera in received.GroupBy(d => d.CameraId))
            Assert.Equal(Enumerable.Range(0, 2000), camera.Select(d => d.Event!.Value));
    }
}
