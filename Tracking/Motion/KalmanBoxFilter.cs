using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Tracking.Motion;

/// <summary>
/// Constant-velocity Kalman filter of a box as (cx, cy, w, h) and their velocities, one step per
/// frame, with noise proportional to the box size (as in BoT-SORT): a tall, near person may move
/// more pixels per frame than a small, far one. 8x8 matrices, plain arrays: no allocation per step
/// beyond the state, so thousands of tracks per second run on one core.
/// </summary>
public sealed class KalmanBoxFilter
{
    private const int N = 8;
    private const double PositionWeight = 1.0 / 20;
    private const double VelocityWeight = 1.0 / 160;

    private readonly double[] _x = new double[N];
    private readonly double[] _p = new double[N * N];

    // The state as of the latest measurement, kept in place (no allocation per step) so that a track
    // found again after a gap can re-run the filter from there (observation-centric re-update).
    private readonly double[] _savedX = new double[N];
    private readonly double[] _savedP = new double[N * N];

    public KalmanBoxFilter(BoundingBox box)
    {
        var (cx, cy, w, h) = Measure(box);
        _x[0] = cx;
        _x[1] = cy;
        _x[2] = w;
        _x[3] = h;
        double[] std =
        [
            2 * PositionWeight * w, 2 * PositionWeight * h, 2 * PositionWeight * w, 2 * PositionWeight * h,
            10 * VelocityWeight * w, 10 * VelocityWeight * h, 10 * VelocityWeight * w, 10 * VelocityWeight * h,
        ];
        for (int i = 0; i < N; i++)
            _p[(i * N) + i] = std[i] * std[i];
        Save();
    }

    private KalmanBoxFilter(KalmanBoxFilter other)
    {
        Array.Copy(other._x, _x, N);
        Array.Copy(other._p, _p, N * N);
        Array.Copy(other._savedX, _savedX, N);
        Array.Copy(other._savedP, _savedP, N * N);
    }

    /// <summary>An independent copy of the state (a tracker tried out on a frame without changing the original).</summary>
    public KalmanBoxFilter Copy() => new(this);

    /// <summary>The current box estimate.</summary>
    public BoundingBox Box
    {
        get
        {
            double w = Math.Max(_x[2], 1e-3), h = Math.Max(_x[3], 1e-3);
            return new BoundingBox((float)(_x[0] - (w / 2)), (float)(_x[1] - (h / 2)), (float)(_x[0] + (w / 2)), (float)(_x[1] + (h / 2)));
        }
    }

    /// <summary>Velocity of the centre in pixels per step.</summary>
    public (double X, double Y) Velocity => (_x[4], _x[5]);

    /// <summary>Advances one step: x' = F x, P' = F P F^T + Q.</summary>
    /// <param name="interval">The step's length relative to the one the noise is tuned for (1: as tuned). The
    /// state counts in steps, so a step <c>s</c> times longer moves <c>s</c> times as far and its velocity (pixels
    /// per step) changes <c>s^2</c> times as much under the same random acceleration: the position noise scales
    /// with <c>s</c>, the velocity noise with <c>s^2</c>.</param>
    public void Predict(double interval = 1)
    {
        double w = _x[2], h = _x[3];
        for (int i = 0; i < 4; i++)
            _x[i] += _x[i + 4];
        // P' = F P F^T where F = [[I, I], [0, I]]: fold the velocity block into the position block.
        var p = _p;
        var tmp = new double[N * N];
        for (int r = 0; r < N; r++)
        {
            for (int c = 0; c < N; c++)
                tmp[(r * N) + c] = p[(r * N) + c] + (r < 4 ? p[((r + 4) * N) + c] : 0);
        }
        for (int r = 0; r < N; r++)
        {
            for (int c = 0; c < N; c++)
                p[(r * N) + c] = tmp[(r * N) + c] + (c < 4 ? tmp[(r * N) + c + 4] : 0);
        }
        double qp = PositionWeight * interval, qv = VelocityWeight * interval * interval;
        double[] q = [qp * w, qp * h, qp * w, qp * h, qv * w, qv * h, qv * w, qv * h];
        for (int i = 0; i < N; i++)
            p[(i * N) + i] += q[i] * q[i];
    }

    /// <summary>Corrects with a measured box: standard Kalman update with H = [I 0].</summary>
    public void Update(BoundingBox box)
    {
        var (cx, cy, w, h) = Measure(box);
        double[] z = [cx, cy, w, h];
        double[] r = [PositionWeight * _x[2], PositionWeight * _x[3], PositionWeight * _x[2], PositionWeight * _x[3]];
        // S = H P H^T + R (the top-left 4x4 block of P plus R).
        var s = new double[16];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
                s[(i * 4) + j] = _p[(i * N) + j];
            s[(i * 4) + i] += r[i] * r[i];
        }
        var sInv = Invert4(s);
        // K = P H^T S^-1: [8x4] = P[:, 0:4] * S^-1.
        var k = new double[N * 4];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                double sum = 0;
                for (int m = 0; m < 4; m++)
                    sum += _p[(i * N) + m] * sInv[(m * 4) + j];
                k[(i * 4) + j] = sum;
            }
        }
        var innovation = new double[4];
        for (int i = 0; i < 4; i++)
            innovation[i] = z[i] - _x[i];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < 4; j++)
                _x[i] += k[(i * 4) + j] * innovation[j];
        }
        // P = P - K H P = P - K P[0:4, :].
        var updated = new double[N * N];
        for (int i = 0; i < N; i++)
        {
            for (int c = 0; c < N; c++)
            {
                double sum = 0;
                for (int m = 0; m < 4; m++)
                    sum += k[(i * 4) + m] * _p[(m * N) + c];
                updated[(i * N) + c] = _p[(i * N) + c] - sum;
            }
        }
        Array.Copy(updated, _p, updated.Length);
        Save();
    }

    /// <summary>
    /// Re-runs the filter over a gap (OC-SORT's observation-centric re-update): back to the state of the
    /// latest measurement <paramref name="from"/>, then <paramref name="steps"/> predictions, each
    /// corrected with a box interpolated towards <paramref name="to"/> (the last one with <paramref name="to"/>
    /// itself). Predicting blindly through an occlusion lets the velocity drift (and the error covariance
    /// grow), so the track leaves the gap with a wrong motion; the virtual trajectory repairs that.
    /// </summary>
    public void Reupdate(BoundingBox from, BoundingBox to, int steps, double interval = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        Array.Copy(_savedX, _x, N);
        Array.Copy(_savedP, _p, N * N);
        for (int step = 1; step <= steps; step++)
        {
            Predict(interval);
            float f = step / (float)steps;
            Update(step == steps ? to : new BoundingBox(
                from.X1 + (f * (to.X1 - from.X1)), from.Y1 + (f * (to.Y1 - from.Y1)),
                from.X2 + (f * (to.X2 - from.X2)), from.Y2 + (f * (to.Y2 - from.Y2))));
        }
    }

    private void Save()
    {
        Array.Copy(_x, _savedX, N);
        Array.Copy(_p, _savedP, N * N);
    }

    /// <summary>Stops the box from growing or shrinking on its own (for lost tracks, as ByteTrack does).</summary>
    public void FreezeSize()
    {
        _x[6] = 0;
        _x[7] = 0;
    }

    private static (double Cx, double Cy, double W, double H) Measure(BoundingBox box) =>
        ((box.X1 + box.X2) / 2.0, (box.Y1 + box.Y2) / 2.0, Math.Max(box.Width, 1e-3), Math.Max(box.Height, 1e-3));

    private static double[] Invert4(double[] m)
    {
        // Gauss-Jordan on [m | I]; S is symmetric positive definite, so no pivoting is needed in theory,
        // but partial pivoting keeps it robust.
        var a = new double[4, 8];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
                a[i, j] = m[(i * 4) + j];
            a[i, 4 + i] = 1;
        }
        for (int col = 0; col < 4; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < 4; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                    pivot = r;
            }
            if (pivot != col)
            {
                for (int j = 0; j < 8; j++)
                    (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            }
            double d = a[col, col];
            if (Math.Abs(d) < 1e-12)
                d = 1e-12;
            for (int j = 0; j < 8; j++)
                a[col, j] /= d;
            for (int r = 0; r < 4; r++)
            {
                if (r == col)
                    continue;
                double f = a[r, col];
                for (int j = 0; j < 8; j++)
                    a[r, j] -= f * a[col, j];
            }
        }
        var inverse = new double[16];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
                inverse[(i * 4) + j] = a[i, 4 + j];
        }
        return inverse;
    }
}
