namespace UniHCP.Pipeline.Ingest;

/// <summary>
/// Finds Debian's sample pedestrian video (vtest.avi from opencv-doc: 768x576, 10 frames/s, 795
/// frames), the default input of the main job. infra/setup.sh fetches it into .local/data of the
/// repository; UNIHCP_SAMPLE_VIDEO points elsewhere.
/// </summary>
public static class SampleVideo
{
    public const string EnvironmentVariable = "UNIHCP_SAMPLE_VIDEO";
    public const string RelativePath = ".local/data/vtest.avi";

    /// <summary>The path, or null when it is nowhere to be found.</summary>
    public static string? TryLocate()
    {
        string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(configured))
            return File.Exists(configured) ? Path.GetFullPath(configured) : null;
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }

    /// <summary>The path; throws <see cref="FileNotFoundException"/> saying how to get the video.</summary>
    public static string Locate() => TryLocate() ?? throw new FileNotFoundException(
        $"The sample video was not found ({RelativePath} in the repository, or ${EnvironmentVariable}). " +
        "Run infra/setup.sh (the README's commands do), which fetches it from Debian's opencv-doc package.");
}
