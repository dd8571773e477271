using System.Text;
using System.Text.Json;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// Attribute tables as JSON: <c>{"attributes": ["uniform", ...], "images": [{"image": "crops/a.jpg", "labels": [1, 0, -1]}, ...]}</c>,
/// image paths relative to the file's folder, labels 1, 0, or -1 / null for unknown. Read token by token so that every
/// error - malformed JSON, a missing or mistyped field, a wrong label count or value, a missing image - names the
/// file and line.
/// </summary>
public static class AttributeJsonManifestReader
{
    public static AttributeManifest Read(string path, bool checkImages = true)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Attribute manifest '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        var lines = new LineIndex(bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        List<string>? attributes = null;
        var rows = new List<(string, IReadOnlyList<int>)>();
        var rowLines = new List<int>();
        try
        {
            Expect(ref reader, JsonTokenType.StartObject, "the file must hold one object with \"attributes\" and \"images\"", lines, path);
            while (Next(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
            {
                string property = reader.GetString()!;
                switch (property)
                {
                    case "attributes":
                        attributes = ReadNames(ref reader, lines, path);
                        break;
                    case "images":
                        Expect(ref reader, JsonTokenType.StartArray, "\"images\" must be an array of {\"image\", \"labels\"} objects", lines, path);
                        while (Next(ref reader) && reader.TokenType != JsonTokenType.EndArray)
                        {
                            rowLines.Add(lines.Of(reader.TokenStartIndex));
                            rows.Add(ReadRow(ref reader, lines, path));
                        }
                        break;
                    default:
                        reader.Skip(); // unknown fields (a source, a licence) are kept out of the way, not refused
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw new DatasetFormatException(path, (int)(ex.LineNumber ?? 0) + 1, $"not valid JSON: {ex.Message}", ex);
        }
        if (attributes is null)
            throw new DatasetFormatException(path, null, "no \"attributes\" list of names.");
        for (int i = 0; i < rows.Count; i++)
        {
            var (image, labels) = rows[i];
            if (labels.Count != attributes.Count)
                throw new DatasetFormatException(path, rowLines[i], $"'{image}' has {labels.Count} labels; there are {attributes.Count} attributes.");
            if (checkImages && !File.Exists(Path.Combine(folder, image)))
                throw new DatasetFormatException(path, rowLines[i], $"image '{Path.Combine(folder, image)}' does not exist.");
        }
        return new AttributeManifest(attributes, rows);
    }

    private static List<string> ReadNames(ref Utf8JsonReader reader, LineIndex lines, string path)
    {
        Expect(ref reader, JsonTokenType.StartArray, "\"attributes\" must be an array of names", lines, path);
        var names = new List<string>();
        while (Next(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            int line = lines.Of(reader.TokenStartIndex);
            string name = reader.TokenType == JsonTokenType.String ? reader.GetString()!.Trim() : throw new DatasetFormatException(path, line, "an attribute name must be a string.");
            if (name.Length == 0 || names.Contains(name, StringComparer.Ordinal))
                throw new DatasetFormatException(path, line, name.Length == 0 ? "an attribute name is empty." : $"attribute '{name}' appears twice.");
            names.Add(name);
        }
        if (names.Count == 0)
            throw new DatasetFormatException(path, lines.Of(reader.TokenStartIndex), "\"attributes\" names no attribute.");
        return names;
    }

    private static (string Image, IReadOnlyList<int> Labels) ReadRow(ref Utf8JsonReader reader, LineIndex lines, string path)
    {
        int line = lines.Of(reader.TokenStartIndex);
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new DatasetFormatException(path, line, "each entry of \"images\" must be an object {\"image\": ..., \"labels\": [...]}.");
        string? image = null;
        List<int>? labels = null;
        while (Next(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            string property = reader.GetString()!;
            Next(ref reader);
            int at = lines.Of(reader.TokenStartIndex);
            if (property == "image")
            {
                image = reader.TokenType == JsonTokenType.String && reader.GetString()!.Trim().Length > 0
                    ? reader.GetString()!.Trim()
                    : throw new DatasetFormatException(path, at, "\"image\" must be a non-empty path.");
            }
            else if (property == "labels")
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw new DatasetFormatException(path, at, "\"labels\" must be an array of 1, 0, -1 or null.");
                labels = [];
                while (Next(ref reader) && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.Null)
                        labels.Add(-1);
                    else if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value) && value is >= -1 and <= 1)
                        labels.Add(value);
                    else
                        throw new DatasetFormatException(path, lines.Of(reader.TokenStartIndex), $"label {labels.Count + 1} is {Encoding.UTF8.GetString(reader.ValueSpan)}; a label is 1, 0, or -1 / null for unknown.");
                }
            }
            else
            {
                reader.Skip();
            }
        }
        return (image ?? throw new DatasetFormatException(path, line, "an entry has no \"image\"."),
            labels ?? throw new DatasetFormatException(path, line, $"'{image}' has no \"labels\"."));
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string problem, LineIndex lines, string path)
    {
        Next(ref reader);
        if (reader.TokenType != type)
            throw new DatasetFormatException(path, lines.Of(reader.TokenStartIndex), problem + ".");
    }

    private static bool Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
            throw new JsonException("the file ends early.");
        return true;
    }

    /// <summary>1-based line of a byte offset.</summary>
    private sealed class LineIndex(byte[] bytes)
    {
        private readonly int[] _newlines = [.. bytes.Select((b, i) => (b, i)).Where(x => x.b == (byte)'\n').Select(x => x.i)];

        public int Of(long offset)
        {
            int index = Array.BinarySearch(_newlines, (int)offset);
            return (index >= 0 ? index : ~index) + 1;
        }
    }
}
