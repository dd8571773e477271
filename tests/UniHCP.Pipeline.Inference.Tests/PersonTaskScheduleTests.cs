using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Stage;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Person tasks per followed person: the frames a track starts and is confirmed on, then once per interval.</summary>
public sealed class PersonTaskScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A 10 frames/s camera's frame.</summary>
    private static VideoFrame At(long sequence, string camera = "door") =>
        new(camera, sequence, Start.AddTicks(sequence * TimeSpan.TicksPerSecond / 10), TimeSpan.FromTicks(sequence * TimeSpan.TicksPerSecond / 10), 2, 2, PixelFormat.Rgb24, new byte[12]);

    private static Detection Person(float x, float y = 100, float score = 0.9f) => new(new BoundingBox(x, y, x + 40, y + 100), score);

    [Fact]
    public void A_walker_is_described_on_the_two_frames_a_track_starts_and_confirms_on_then_once_every_interval()
    {
        var schedule = new PersonTaskSchedule(TimeSpan.FromSeconds(2), 0.7f, 2);
        var described = new List<long>();
        for (long f = 0; f < 50; f++)
        {
            // Walks 2 px a frame: consecutive boxes overlap.
            if (schedule.Select(At(f), [Person(100 + (2 * f))])[0])
                described.Add(f);
        }
        Assert.Equal([0L, 1, 21, 41], described);
    }

    [Fact]
    public void Two_people_are_followed_apart_and_a_newcomer_is_described_at_once()
    {
        var schedule = new PersonTaskSchedule(TimeSpan.FromSeconds(2), 0.7f, 2);
        Assert.Equal([true, true], schedule.Select(At(0), [Person(100), Person(400)]));
        Assert.Equal([true, true, true], schedule.Select(At(1), [Person(402), Person(102), Person(700, 10)]));
        Assert.Equal([false, false, true], schedule.Select(At(2), [Person(104), Person(404), Person(701, 10)]));
        Assert.Equal([false, false, false], schedule.Select(At(3), [Person(106), Person(406), Person(702, 10)]));
    }

    [Fact]
    public void A_person_gone_longer_than_the_forget_time_is_new_again_and_cameras_are_apart()
    {
        var schedule = new PersonTaskSchedule(TimeSpan.FromSeconds(10), 0.7f, 2);
        Assert.True(schedule.Select(At(0), [Person(100)])[0]);
        Assert.True(schedule.Select(At(1), [Person(100)])[0]);
        Assert.False(schedule.Select(At(2), [Person(100)])[0]);
        // Absent for 0.4 s: still the same sighting. Then absent for 0.6 s (> 0.5 s): a new one.
        Assert.False(schedule.Select(At(6), [Person(100)])[0]);
        Assert.True(schedule.Select(At(12), [Person(100)])[0]);
        // Another camera's person at the same place is not this one.
        Assert.True(schedule.Select(At(13, "lobby"), [Person(100)])[0]);
    }

    [Fact]
    public void A_replayed_frame_changes_nothing_and_gets_no_descriptions()
    {
        var schedule = new PersonTaskSchedule(TimeSpan.FromSeconds(2), 0.7f, 2);
        Assert.True(schedule.Select(At(5), [Person(100)])[0]);
        Assert.Equal([false, false], schedule.Select(At(5), [Person(100), Person(400)]));
        Assert.False(schedule.Select(At(4), [Person(400)])[0]);
        Assert.Equal([true, true], schedule.Select(At(6), [Person(100), Person(400)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PersonTaskSchedule(TimeSpan.Zero, 0.7f, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PersonTaskSchedule(TimeSpan.FromSeconds(1), 1.5f, 2));
    }

    [Fact]
    public void A_person_is_first_described_when_scored_high_enough_for_the_tracker_to_start_a_track()
    {
        var schedule = new PersonTaskSchedule(TimeSpan.FromSeconds(2), 0.7f, 2);
        Assert.False(schedule.Select(At(0), [Person(100, score: 0.5f)])[0]);
        Assert.False(schedule.Select(At(1), [Person(101, score: 0.69f)])[0]);
        Assert.True(schedule.Select(At(2), [Person(102, score: 0.71f)])[0]);
        // The frame a tentative track would be confirmed on, whatever its score.
        Assert.True(schedule.Select(At(3), [Person(103, score: 0.4f)])[0]);
        Assert.False(schedule.Select(At(4), [Person(104, score: 0.9f)])[0]);
    }
}
