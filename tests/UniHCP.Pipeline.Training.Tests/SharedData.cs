namespace UniHCP.Pipeline.Training.Tests;

/// <summary>The shared real datasets (../shared/data next to the repository, or $UNIHCP_SHARED_DATA).</summary>
internal static class SharedData
{
    public static string Root
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("UNIHCP_SHARED_DATA");
            if (!string.IsNullOrEmpty(configured))
                return configured;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "data");
                if (Directory.Exists(candidate))
                    return candidate;
            }
            return Path.Combine(AppContext.BaseDirectory, "shared-data-not-found");
        }
    }

    public static string PennFudan => Path.Combine(Root, "pennfudan", "PennFudanPed");
}

/// <summary>A test that trains on ../shared/data: skipped, with the reason shown, where the data is absent (a user's
/// fresh clone without it); CI has the data and runs it.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (!Directory.Exists(SharedData.PennFudan))
            Skip = $"../shared/data (or $UNIHCP_SHARED_DATA) is not present on this machine ({SharedData.PennFudan}).";
    }
}

/// <summary>The theory form of <see cref="SharedDataFactAttribute"/>.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (!Directory.Exists(SharedData.PennFudan))
            Skip = $"../shared/data (or $UNIHCP_SHARED_DATA) is not present on this machine ({SharedData.PennFudan}).";
    }
}
