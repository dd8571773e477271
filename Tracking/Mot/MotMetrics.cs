namespace UniHCP.Pipeline.Tracking.Mot;

/// <summary>
/// Tracking metrics of one sequence (or several combined), with the definitions of the official
/// MOTChallenge evaluation (TrackEval / devkit): CLEAR MOT, identity (IDF1) and HOTA.
/// Ratios are fractions (0..1), not percentages.
/// </summary>
public sealed record MotMetrics
{
    public int Frames { get; init; }

    /// <summary>Ground-truth trajectories.</summary>
    public int GroundTruthTracks { get; init; }

    public int MostlyTracked { get; init; }

    public int PartlyTracked { get; init; }

    public int MostlyLost { get; init; }

    public int TruePositives { get; init; }

    public int FalsePositives { get; init; }

    public int FalseNegatives { get; init; }

    public int IdSwitches { get; init; }

    public int Fragmentations { get; init; }

    /// <summary>Sum of the IoU of the matched pairs (for MOTP).</summary>
    public double MatchedIoUSum { get; init; }

    public int IdTruePositives { get; init; }

    public int IdFalsePositives { get; init; }

    public int IdFalseNegatives { get; init; }

    /// <summary>HOTA per alpha threshold 0.05, 0.10, ..., 0.95.</summary>
    public IReadOnlyList<double> HotaByAlpha { get; init; } = [];

    public IReadOnlyList<double> DetAByAlpha { get; init; } = [];

    public IReadOnlyList<double> AssAByAlpha { get; init; } = [];

    public IReadOnlyList<double> LocAByAlpha { get; init; } = [];

    public double Mota => 1 - ((FalseNegatives + FalsePositives + IdSwitches) / (double)Math.Max(1, TruePositives + FalseNegatives));

    /// <summary>Mean IoU of matched pairs (MOTChallenge's MOTP).</summary>
    public double Motp => MatchedIoUSum / Math.Max(1, TruePositives);

    public double Motal => 1 - ((FalseNegatives + FalsePositives + Math.Log10(IdSwitches + 1)) / Math.Max(1, TruePositives + FalseNegatives));

    public double Recall => TruePositives / (double)Math.Max(1, TruePositives + FalseNegatives);

    public double Precision => TruePositives / (double)Math.Max(1, TruePositives + FalsePositives);

    /// <summary>False alarms per frame.</summary>
    public double FalseAlarmsPerFrame => FalsePositives / (double)Math.Max(1, Frames);

    public double Idf1 => 2.0 * IdTruePositives / Math.Max(1, (2 * IdTruePositives) + IdFalsePositives + IdFalseNegatives);

    public double Idp => IdTruePositives / (double)Math.Max(1, IdTruePositives + IdFalsePositives);

    public double Idr => IdTruePositives / (double)Math.Max(1, IdTruePositives + IdFalseNegatives);

    public double Hota => HotaByAlpha.Count > 0 ? HotaByAlpha.Average() : 0;

    public double DetA => DetAByAlpha.Count > 0 ? DetAByAlpha.Average() : 0;

    public double AssA => AssAByAlpha.Count > 0 ? AssAByAlpha.Average() : 0;

    public double LocA => LocAByAlpha.Count > 0 ? LocAByAlpha.Average() : 0;
}
