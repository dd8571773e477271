using System.Globalization;

namespace UniHCP.Pipeline.Tracking.Mot;

/// <summary>A MOTChallenge sequence folder: seqinfo.ini, det/det.txt and (for training sequences) gt/gt.txt.</summary>
public sealed record MotSequence(string Directory, string Name, double FrameRate, int Length, int Width, int Height)
{
    public string DetectionsPath => Path.Combine(Directory, "det", "det.txt");

    public string GroundTruthPath => Path.Combine(Directory, "gt", "gt.txt");

    public static MotSequence Open(string directory)
    {
        string ini = Path.Combine(directory, "seqinfo.ini");
        if (!File.Exists(ini))
            throw new FileNotFoundException($"'{directory}' is not a MOTChallenge sequence: it has no seqinfo.ini.", ini);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in File.ReadLines(ini))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
                values[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }
        double Number(string key) => values.TryGetValue(key, out string? v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d > 0
            ? d
            : throw new FormatException($"{ini}: '{key}' is missing or not a positive number.");
        return new MotSequence(directory, values.GetValueOrDefault("name") ?? Path.GetFileName(directory.TrimEnd('/')),
            Number("frameRate"), (int)Number("seqLength"), (int)Number("imWidth"), (int)Number("imHeight"));
    }
}
