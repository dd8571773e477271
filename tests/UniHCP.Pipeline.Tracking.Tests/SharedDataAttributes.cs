namespace UniHCP.Pipeline.Tracking.Tests;

/// <summary>A fact that needs ../shared/data: skipped, with the reason shown, where it is absent (a user's fresh clone).</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (SharedData.Root is null)
            Skip = "../shared/data (or $UNIHCP_SHARED_DATA) is not present on this machine.";
    }
}

/// <summary>A theory that needs ../shared/data: skipped, with the reason shown, where it is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (SharedData.Root is null)
            Skip = "../shared/data (or $UNIHCP_SHARED_DATA) is not present on this machine.";
    }
}
