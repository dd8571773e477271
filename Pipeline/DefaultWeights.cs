namespace UniHCP.Pipeline.Hosting;

/// <summary>Which weights file a run uses: the one asked for, else the repository's committed default model.</summary>
public static class DefaultWeights
{
    public const string RelativePath = "models/default.safetensors";

    public static string Resolve(string? requested)
    {
        if (!string.IsNullOrWhiteSpace(requested))
        {
            return File.Exists(requested) ? Path.GetFullPath(requested)
                : throw new FileNotFoundException($"weights: '{Path.GetFullPath(requested)}' does not exist.");
        }
        // The program runs from its build folder inside the repository, or from anywhere with the repository as
        // the working directory: look upwards from both.
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        throw new FileNotFoundException(
            $"weights: no --weights given and no {RelativePath} found above '{Environment.CurrentDirectory}' or the program. " +
            "Pass --weights FILE or set Inference:Weights.");
    }
}
