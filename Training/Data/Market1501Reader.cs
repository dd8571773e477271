using System.Globalization;
using System.Text.RegularExpressions;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>A ReID image: its file, identity (-1: junk, 0: distractor in Market-1501) and camera.</summary>
public sealed record ReIdImage(string Path, int Identity, int Camera);

/// <summary>
/// Market-1501-style ReID folders: identity and camera come from the file name ("0002_c1s1_000451_03.jpg": person
/// 0002, camera 1; "-1_c3s2_..." junk). A name that does not follow the pattern is an error naming the file.
/// </summary>
public static partial class Market1501Reader
{
    public static List<ReIdImage> Read(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"ReID folder '{folder}' does not exist.");
        var images = new List<ReIdImage>();
        foreach (string path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            string extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
            if (extension is not (".jpg" or ".jpeg" or ".png"))
                continue; // Thumbs.db and the like
            var match = NamePattern().Match(System.IO.Path.GetFileName(path));
            if (!match.Success)
                throw new DatasetFormatException(path, null, "the name does not say identity and camera the Market-1501 way (e.g. 0002_c1s1_000451_03.jpg).");
            int identity = int.Parse(match.Groups["id"].Value, CultureInfo.InvariantCulture);
            int camera = int.Parse(match.Groups["camera"].Value, CultureInfo.InvariantCulture);
            if (camera < 1)
                throw new DatasetFormatException(path, null, $"camera {camera}: Market-1501 cameras are numbered from 1.");
            images.Add(new ReIdImage(path, identity, camera));
        }
        if (images.Count == 0)
            throw new DatasetFormatException(folder, null, "no .jpg or .png images.");
        return images;
    }

    [GeneratedRegex(@"^(?<id>-1|\d+)_c(?<camera>\d+)(s\d+)?_", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
