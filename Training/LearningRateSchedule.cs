namespace UniHCP.Pipeline.Training;

/// <summary>Linear warm-up to the peak, then cosine decay to a floor: the factor of the peak rate at a step.</summary>
public static class LearningRateSchedule
{
    public static double Factor(int step, int totalSteps, int warmupSteps, double minFactor)
    {
        if (warmupSteps > 0 && step < warmupSteps)
            return (step + 1) / (double)warmupSteps;
        double progress = Math.Clamp((step - warmupSteps) / (double)Math.Max(1, totalSteps - warmupSteps), 0, 1);
        return minFactor + ((1 - minFactor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
