using System.Globalization;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>An attribute table: the attribute names and, per image, its path and labels (1, 0 or -1 unknown).</summary>
public sealed record AttributeManifest(IReadOnlyList<string> Attributes, IReadOnlyList<(string Image, IReadOnlyList<int> Labels)> Rows);

/// <summary>
/// Attribute tables as CSV: a header "image,&lt;attribute&gt;,..." and one row per image with its path (relative to the
/// file's folder) and a label per attribute: 1, 0, or -1 / empty for unknown. Errors name the file and line. A file
/// ending in .json is read as the JSON manifest (<see cref="AttributeJsonManifestReader"/>).
/// </summary>
public static class AttributeManifestReader
{
    public static AttributeManifest Read(string csvPath, bool checkImages = true)
    {
        if (csvPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return AttributeJsonManifestReader.Read(csvPath, checkImages);
        if (!File.Exists(csvPath))
            throw new FileNotFoundException($"Attribute table '{csvPath}' does not exist.", csvPath);
        using var reader = new StreamReader(csvPath);
        string header = reader.ReadLine() ?? throw new DatasetFormatException(csvPath, 1, "the file is empty; expected a header \"image,<attribute>,...\".");
        var names = header.Split(',').Select(n => n.Trim()).ToList();
        if (names.Count < 2 || !names[0].Equals("image", StringComparison.OrdinalIgnoreCase))
            throw new DatasetFormatException(csvPath, 1, "the header must start with \"image\" and name at least one attribute.");
        var duplicate = names.Skip(1).GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1 || g.Key.Length == 0);
        if (duplicate is not null)
            throw new DatasetFormatException(csvPath, 1, duplicate.Key.Length == 0 ? "an attribute name is empty." : $"attribute '{duplicate.Key}' appears twice.");
        string folder = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        var rows = new List<(string, IReadOnlyList<int>)>();
        int lineNumber = 1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var fields = line.Split(',').Select(f => f.Trim()).ToList();
            if (fields.Count != names.Count)
                throw new DatasetFormatException(csvPath, lineNumber, $"{fields.Count} fields; the header has {names.Count}.");
            string image = Path.Combine(folder, fields[0]);
            if (checkImages && !File.Exists(image))
                throw new DatasetFormatException(csvPath, lineNumber, $"image '{image}' does not exist.");
            var labels = new List<int>(names.Count - 1);
            for (int a = 1; a < fields.Count; a++)
            {
                if (fields[a].Length == 0)
                    labels.Add(-1);
                else if (int.TryParse(fields[a], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value is >= -1 and <= 1)
                    labels.Add(value);
                else
                    throw new DatasetFormatException(csvPath, lineNumber, $"'{names[a]}' is '{fields[a]}'; a label is 1, 0, or -1 / empty for unknown.");
            }
            rows.Add((fields[0], labels));
        }
        return new AttributeManifest(names.Skip(1).ToList(), rows);
    }
}
