using UniHCP.Pipeline.Cli.Commands;
using UniHCP.Pipeline.Store.Queries;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>What an empty query result says about itself.</summary>
public sealed class EmptyResultHintTests
{
    private static readonly DateTimeOffset Day = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly CameraSummary[] Cameras =
    [
        new("door", Day.AddHours(8), Day.AddHours(18)),
        new("till", Day.AddHours(9), Day.AddHours(17)),
    ];

    [Fact]
    public void An_unknown_camera_is_named_with_the_cameras_the_store_has()
    {
        string? hint = EmptyResultHint.For(Cameras, new TimeWindow(Day, Day.AddDays(1), ["dorr", "till"]));

        Assert.Equal("note: the store has no camera 'dorr'; its cameras: door, till.", hint);
    }

    [Fact]
    public void A_window_beside_every_asked_camera_s_activity_gives_that_activity()
    {
        string? hint = EmptyResultHint.For(Cameras, new TimeWindow(Day.AddDays(3), Day.AddDays(4)));

        Assert.Equal("note: the window 2026-12-04T00:00:00Z to 2026-12-05T00:00:00Z misses every camera's activity (2026-12-01T08:00:00Z to 2026-12-01T18:00:00Z): give --from and --to around it.", hint);
        // Only the asked cameras count: 'till' alone was active 09:00-17:00.
        Assert.Contains("(2026-12-01T09:00:00Z to 2026-12-01T17:00:00Z)", EmptyResultHint.For(Cameras, new TimeWindow(Day.AddHours(18), Day.AddHours(20), ["till"])), StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_is_added_when_the_window_covers_a_known_camera_and_an_empty_store_says_so()
    {
        Assert.Null(EmptyResultHint.For(Cameras, new TimeWindow(Day, Day.AddDays(1), ["door"])));
        Assert.Null(EmptyResultHint.For(Cameras, new TimeWindow(Day.AddHours(12), Day.AddHours(13))));
        Assert.StartsWith("note: the store holds no camera yet", EmptyResultHint.For([], new TimeWindow(Day, Day.AddDays(1))), StringComparison.Ordinal);
    }
}
