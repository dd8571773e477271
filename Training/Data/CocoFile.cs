using System.Text.Json;
using System.Text.Json.Serialization;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>A COCO-format annotation file (images, person annotations with boxes and keypoints).</summary>
public sealed class CocoFile
{
    public required string Path { get; init; }

    public required IReadOnlyList<CocoImage> Images { get; init; }

    public required IReadOnlyList<CocoAnnotation> Annotations { get; init; }

    /// <summary>Keypoint names of the person category, when it has them.</summary>
    public IReadOnlyList<string> KeypointNames { get; init; } = [];

    public ILookup<long, CocoAnnotation> ByImage => Annotations.ToLookup(a => a.ImageId);

    /// <summary>How many annotations each "source" (the detector that made them, in pseudo-label files) gave; files
    /// without sources have none.</summary>
    public IReadOnlyDictionary<string, int> SourceCounts =>
        Annotations.Where(a => a.Source is not null).GroupBy(a => a.Source!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Category names by id.</summary>
    public IReadOnlyDictionary<long, string> Categories { get; init; } = new Dictionary<long, string>();

    /// <summary>The person category ids: those named "person", else the only category there is, else none (every
    /// annotation then counts as a person).</summary>
    public IReadOnlySet<long> PersonCategories
    {
        get
        {
            var named = Categories.Where(c => c.Value.Equals("person", StringComparison.OrdinalIgnoreCase)).Select(c => c.Key).ToHashSet();
            return named.Count > 0 || Categories.Count != 1 ? named : Categories.Keys.ToHashSet();
        }
    }

    /// <summary>An image's file under <paramref name="folder"/>: by its file_name, else by the file_name's trailing path
    /// parts (a re-rooted copy such as "HumanArt/images/x/y.jpg" kept as "x/y.jpg"); null when absent. Never outside the folder.</summary>
    public static string? LocateImage(string folder, string fileName)
    {
        var parts = fileName.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Contains(".."))
            return null;
        for (int skip = 0; skip < parts.Length; skip++)
        {
            string candidate = System.IO.Path.Combine([folder, .. parts[skip..]]);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>Reads and validates a COCO file; errors name the file and the offending image or annotation.</summary>
    public static CocoFile Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"COCO file '{path}' does not exist.", path);
        Dto dto;
        try
        {
            using var stream = File.OpenRead(path);
            dto = JsonSerializer.Deserialize<Dto>(stream, s_options) ?? throw new DatasetFormatException(path, null, "empty document.");
        }
        catch (JsonException ex)
        {
            throw new DatasetFormatException(path, ex.LineNumber is { } l ? (int)l + 1 : null, $"not valid COCO JSON: {ex.Message}", ex);
        }
        if (dto.Images is null || dto.Annotations is null)
            throw new DatasetFormatException(path, null, "'images' and 'annotations' are required.");
        var images = new List<CocoImage>();
        var ids = new HashSet<long>();
        for (int i = 0; i < dto.Images.Count; i++)
        {
            var image = dto.Images[i];
            if (image.Width <= 0 || image.Height <= 0)
                throw new DatasetFormatException(path, null, $"images[{i}] (id {image.Id}) has size {image.Width}x{image.Height}.");
            if (!ids.Add(image.Id))
                throw new DatasetFormatException(path, null, $"images[{i}]: id {image.Id} is used twice.");
            images.Add(image);
        }
        var annotations = new List<CocoAnnotation>();
        for (int i = 0; i < dto.Annotations.Count; i++)
        {
            var a = dto.Annotations[i];
            string at = $"annotations[{i}] (id {a.Id})";
            if (!ids.Contains(a.ImageId))
                throw new DatasetFormatException(path, null, $"{at} refers to image {a.ImageId}, which is not in 'images'.");
            if (a.Bbox is not { Length: 4 } || a.Bbox[2] < 0 || a.Bbox[3] < 0 || a.Bbox.Any(v => !double.IsFinite(v)))
                throw new DatasetFormatException(path, null, $"{at}: bbox must be [x, y, width, height] with non-negative size.");
            if (a.Keypoints is { } k && k.Length % 3 != 0)
                throw new DatasetFormatException(path, null, $"{at}: keypoints must be (x, y, v) triples; it has {k.Length} values.");
            annotations.Add(a);
        }
        var person = dto.Categories?.FirstOrDefault(c => c.Keypoints is { Count: > 0 });
        var categories = new Dictionary<long, string>();
        foreach (var category in dto.Categories ?? [])
        {
            if (!categories.TryAdd(category.Id, category.Name ?? string.Empty))
                throw new DatasetFormatException(path, null, $"category id {category.Id} is used twice.");
        }
        return new CocoFile { Path = path, Images = images, Annotations = annotations, KeypointNames = person?.Keypoints ?? [], Categories = categories };
    }

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    private sealed class Dto
    {
        public List<CocoImage>? Images { get; set; }

        public List<CocoAnnotation>? Annotations { get; set; }

        public List<CocoCategory>? Categories { get; set; }
    }

    private sealed class CocoCategory
    {
        public long Id { get; set; }

        public string? Name { get; set; }

        public List<string>? Keypoints { get; set; }
    }
}

public sealed class CocoImage
{
    public long Id { get; set; }

    public string FileName { get; set; } = string.Empty;

    public int Width { get; set; }

    public int Height { get; set; }

    /// <summary>Video frame index, when the images are frames of a video (vtest teacher labels).</summary>
    public long? FrameIndex { get; set; }
}

public sealed class CocoAnnotation
{
    public long Id { get; set; }

    public long ImageId { get; set; }

    public long CategoryId { get; set; }

    /// <summary>[x, y, width, height] in pixels.</summary>
    public double[]? Bbox { get; set; }

    /// <summary>1 for a crowd region; PoseTrack's files write true / false.</summary>
    [JsonConverter(typeof(CrowdFlagConverter))]
    public int Iscrowd { get; set; }

    /// <summary>The person's segment area in pixels (COCO's OKS scale), when the file gives it.</summary>
    public double? Area { get; set; }

    /// <summary>(x, y, v) per joint; v 0 unlabelled, 1 labelled but hidden, 2 visible.</summary>
    public double[]? Keypoints { get; set; }

    /// <summary>Machine labels: the teacher's confidence.</summary>
    public double? Score { get; set; }

    /// <summary>Machine labels: which teacher made it.</summary>
    public string? Source { get; set; }
}

/// <summary>Reads a crowd flag written as a number (COCO) or as true / false (PoseTrack).</summary>
internal sealed class CrowdFlagConverter : JsonConverter<int>
{
    public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.True => 1,
        JsonTokenType.False => 0,
        JsonTokenType.Number => reader.GetInt32(),
        _ => throw new JsonException($"iscrowd must be a number or true/false, not {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}
