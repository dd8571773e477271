namespace UniHCP.Pipeline.Training.Data;

/// <summary>The held-out split used where a dataset brings none: every fifth item, and at least one.</summary>
public static class HeldOut
{
    public static (List<T> Train, List<T> Validation) EveryFifth<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count < 2)
            throw new ArgumentException($"{items.Count} item(s): at least two are needed (one is held out).");
        bool IsHeldOut(int i) => i % 5 == 4 || (items.Count < 5 && i == items.Count - 1);
        return ([.. items.Where((_, i) => !IsHeldOut(i))], [.. items.Where((_, i) => IsHeldOut(i))]);
    }
}
