using System.Text.Json;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>One CrowdHuman image's annotation: its id (the image is &lt;id&gt;.jpg), full-body person boxes and ignore regions.</summary>
public sealed record CrowdHumanRecord(string Id, IReadOnlyList<BoundingBox> Persons, IReadOnlyList<BoundingBox> Ignore);

/// <summary>
/// CrowdHuman's .odgt files: one JSON object per line, {"ID": ..., "gtboxes": [{"tag": "person" | "mask", "fbox":
/// [x, y, w, h], "vbox": ..., "extra": {"ignore": 0 | 1}}]}. Persons are the full boxes (fbox) of "person" entries not
/// marked ignore; "mask" entries (crowds, reflections) and ignored persons become ignore regions. Errors name the file
/// and line.
/// </summary>
public static class CrowdHumanReader
{
    public static List<CrowdHumanRecord> Read(string odgtPath)
    {
        if (!File.Exists(odgtPath))
            throw new FileNotFoundException($"CrowdHuman annotations '{odgtPath}' do not exist.", odgtPath);
        var records = new List<CrowdHumanRecord>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(odgtPath))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            try
            {
                records.Add(Parse(line));
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                throw new DatasetFormatException(odgtPath, lineNumber, ex.Message, ex);
            }
        }
        return records;
    }

    private static CrowdHumanRecord Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        string id = root.GetProperty("ID").GetString() ?? throw new FormatException("\"ID\" is null.");
        var persons = new List<BoundingBox>();
        var ignore = new List<BoundingBox>();
        foreach (var entry in root.GetProperty("gtboxes").EnumerateArray())
        {
            string tag = entry.GetProperty("tag").GetString() ?? "";
            var box = entry.GetProperty("fbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            if (box.Length != 4 || box[2] <= 0 || box[3] <= 0)
                throw new FormatException($"image {id}: an fbox must be [x, y, width, height] with a positive size; got [{string.Join(", ", box)}].");
            var rect = new BoundingBox((float)box[0], (float)box[1], (float)(box[0] + box[2]), (float)(box[1] + box[3]));
            bool ignored = entry.TryGetProperty("extra", out var extra) && extra.TryGetProperty("ignore", out var flag) && flag.GetInt32() != 0;
            if (tag == "person" && !ignored)
                persons.Add(rect);
            else if (tag is "person" or "mask")
                ignore.Add(rect);
            else
                throw new FormatException($"image {id}: unknown tag '{tag}' (person or mask).");
        }
        return new CrowdHumanRecord(id, persons, ignore);
    }
}
