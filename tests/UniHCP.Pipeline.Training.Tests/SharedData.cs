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
