using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.Motion;

namespace UniHCP.Pipeline.Tracking.Tests;

public sealed class KalmanBoxFilterTests
{
    private static BoundingBox At(double x) => new((float)x, 100, (float)x + 40, 200);

    private static KalmanBoxFilter Walking(double speed, int frames)
    {
        var filter = new KalmanBoxFilter(At(0));
        for (int f = 1; f <= frames; f++)
        {
            filter.Predict();
            filter.Update(At(speed * f));
        }
        return filter;
    }

    [Fact]
    public void Re_update_over_a_gap_follows_the_straight_path_between_the_observations()
    {
        // Walking at 4 px/frame, then unseen for 10 frames while really stopping after 2 (the prediction runs on),
        // seen again at 4 * 22: the straight path between the two observations says 0.8 px/frame. Re-updated, the
        // filter ends on the new observation with its velocity pulled from 4 towards 0.8. (With this filter's
        // size-proportional noise, a plain update after 10 blind steps gets about as close: the covariance has
        // grown enough that the one measurement moves the velocity as far.)
        var filter = Walking(4, 20);
        for (int f = 0; f < 10; f++)
            filter.Predict();
        var seen = At(4 * 22);
        filter.Reupdate(At(4 * 20), seen, 10);
        Assert.InRange(filter.Velocity.X, 0.8, 2.5);
        Assert.InRange(filter.Box.X1, (4 * 22) - 2, (4 * 22) + 2);
    }

    [Fact]
    public void A_longer_frame_interval_trusts_the_old_velocity_less()
    {
        // Same observations, one filter told each step is 3 times as long: its velocity follows a change faster.
        var perFrame = Walking(4, 20);
        var slow = perFrame.Copy();
        for (int f = 21; f <= 23; f++)
        {
            perFrame.Predict();
            perFrame.Update(At(80));
            slow.Predict(3);
            slow.Update(At(80));
        }
        Assert.True(Math.Abs(slow.Velocity.X) < Math.Abs(perFrame.Velocity.X));
    }
}
