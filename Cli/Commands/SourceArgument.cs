using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>
/// Turns --source values into cameras: "LOCATION" or "ID=LOCATION", where LOCATION is a file path
/// or a URL. Without an id, a file's camera is named after the file, a URL's "cam" plus its position.
/// </summary>
internal static class SourceArgument
{
    public static List<CameraOptions> ToCameras(IReadOnlyList<string> values)
    {
        var cameras = new List<CameraOptions>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < values.Count; i++)
        {
            string value = values[i];
            string? id = null;
            string location = value;
            int equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && CameraId.IsValid(value[..equals]) && !value[..equals].Contains('/', StringComparison.Ordinal))
            {
                id = value[..equals];
                location = value[(equals + 1)..];
            }
            id ??= DefaultId(location, i + 1, used);
            used.Add(id);
            cameras.Add(new CameraOptions { Id = id, Source = location });
        }
        return cameras;
    }

    private static string DefaultId(string location, int position, HashSet<string> used)
    {
        string id = $"cam{position}";
        if (!location.Contains("://", StringComparison.Ordinal))
        {
            string name = new(Path.GetFileNameWithoutExtension(location)
                .Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_')
                .Take(CameraId.MaxLength).ToArray());
            if (CameraId.IsValid(name))
                id = name;
        }
        id = id[..Math.Min(id.Length, CameraId.MaxLength - 6)];
        string unique = id;
        for (int n = 2; used.Contains(unique); n++)
            unique = $"{id}-{n}";
        return unique;
    }
}
