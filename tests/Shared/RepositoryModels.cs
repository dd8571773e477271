namespace UniHCP.Pipeline.Tests.Support;

/// <summary>The repository's committed models, found above the running program's folder. One file, linked into the
/// projects that load them.</summary>
internal static class RepositoryModels
{
    /// <summary>models/default.safetensors, the default model every run loads.</summary>
    public static string DefaultWeights
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "models", "default.safetensors");
                if (File.Exists(candidate))
                    return candidate;
            }
            throw new FileNotFoundException($"models/default.safetensors not found above '{AppContext.BaseDirectory}'.");
        }
    }
}
