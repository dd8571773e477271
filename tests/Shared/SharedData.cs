namespace UniHCP.Pipeline.Tests.Support;

/// <summary>The shared real datasets (../shared/data next to the repository, or $UNIHCP_SHARED_DATA). One file, linked
/// into every test project that reads them.</summary>
internal static class SharedData
{
    /// <summary>The datasets folder, or null where this machine has none (a user's fresh clone).</summary>
    public static string? Find()
    {
        string? configured = Environment.GetEnvironmentVariable("UNIHCP_SHARED_DATA");
        if (!string.IsNullOrEmpty(configured))
            return Directory.Exists(configured) ? configured : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>The datasets folder (a path that does not exist where there is none: tests that need it are skipped there).</summary>
    public static string Root => Find() ?? Path.Combine(AppContext.BaseDirectory, "shared-data-not-found");

    public static string PennFudan => Path.Combine(Root, "pennfudan", "PennFudanPed");

    public static string? SkipReason => Find() is null
        ? "../shared/data (or $UNIHCP_SHARED_DATA) is not present on this machine; CI has it and runs this test."
        : null;
}

/// <summary>A test that reads ../shared/data: skipped, with the reason shown, where the data is absent.</summary>
internal sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute() => Skip = SharedData.SkipReason;
}

/// <summary>The theory form of <see cref="SharedDataFactAttribute"/>.</summary>
internal sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute() => Skip = SharedData.SkipReason;
}
