using System.Text.Json;
using System.Text.Json.Nodes;

namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>
/// Machine labels in COCO form: one "person" category with the 17 COCO joints; per annotation the teacher's score and
/// which teacher made it ("source"; "keypoint_source" for the joints), keypoint scores, and where the teacher had
/// them attributes, clothing colours and a ReID embedding. Joints follow the COCO convention: v = 2 for a teacher
/// score of at least 0.3, 1 for at least 0.1, else 0 written as (0, 0, 0).
/// </summary>
public static class CocoLabels
{
    public static readonly IReadOnlyList<string> JointNames =
    [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
        "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ];

    private static readonly int[][] Skeleton =
    [
        [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11],
        [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7],
    ];

    /// <summary>One person as a journal entry (an annotation without ids).</summary>
    public static JsonObject Person(PersonLabel person)
    {
        var b = person.Box;
        var json = new JsonObject
        {
            ["bbox"] = new JsonArray(Round(b.X1), Round(b.Y1), Round(b.Width), Round(b.Height)),
            ["score"] = Math.Round(person.Score, 4),
            ["source"] = person.Source,
        };
        if (person.Keypoints is { Count: > 0 } joints)
        {
            if (joints.Count != JointNames.Count)
                throw new ArgumentException($"A person has {joints.Count} joints; COCO labels have {JointNames.Count}.");
            var values = new JsonArray();
            int labelled = 0;
            foreach (var j in joints)
            {
                int v = j.Score >= 0.3f ? 2 : j.Score >= 0.1f ? 1 : 0;
                labelled += v > 0 ? 1 : 0;
                values.Add(v > 0 ? Round(j.X) : 0);
                values.Add(v > 0 ? Round(j.Y) : 0);
                values.Add(v);
            }
            json["keypoints"] = values;
            json["num_keypoints"] = labelled;
            json["keypoint_scores"] = new JsonArray(joints.Select(j => (JsonNode)Math.Round(j.Score, 4)).ToArray());
            json["keypoint_source"] = person.KeypointSource;
        }
        if (person.Attributes is { } attributes)
            json["attributes"] = new JsonObject(attributes.Select(a => new KeyValuePair<string, JsonNode?>(a.Key, Math.Round(a.Value, 4))));
        if (person.Colours is { } colours)
            json["colours"] = new JsonObject { ["upper"] = colours.Upper, ["lower"] = colours.Lower };
        if (person.Embedding is { } embedding)
            json["embedding"] = new JsonArray(embedding.Select(v => (JsonNode)Math.Round(v, 5)).ToArray());
        return json;
    }

    /// <summary>Writes the COCO file from journal entries ({image, persons}); ids are assigned in order from 1.</summary>
    public static async Task<(int Images, int Persons)> WriteAsync(string path, JsonObject info, IEnumerable<JsonObject> entries, CancellationToken cancellationToken)
    {
        await using var stream = File.Create(path);
        await using var writer = new Utf8JsonWriter(stream);
        writer.WriteStartObject();
        writer.WritePropertyName("info");
        info.WriteTo(writer);
        var annotations = new List<JsonObject>();
        writer.WriteStartArray("images");
        int imageId = 0;
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = entry["image"]!.AsObject().DeepClone().AsObject();
            image["id"] = ++imageId;
            image.WriteTo(writer);
            foreach (var person in entry["persons"]!.AsArray())
            {
                var annotation = person!.DeepClone().AsObject();
                var box = annotation["bbox"]!.AsArray();
                annotation["id"] = annotations.Count + 1;
                annotation["image_id"] = imageId;
                annotation["category_id"] = 1;
                annotation["area"] = Round(box[2]!.GetValue<double>() * box[3]!.GetValue<double>());
                annotation["iscrowd"] = 0;
                annotations.Add(annotation);
            }
        }
        writer.WriteEndArray();
        writer.WriteStartArray("annotations");
        foreach (var annotation in annotations)
            annotation.WriteTo(writer);
        writer.WriteEndArray();
        writer.WriteStartArray("categories");
        new JsonObject
        {
            ["id"] = 1,
            ["name"] = "person",
            ["supercategory"] = "person",
            ["keypoints"] = new JsonArray(JointNames.Select(n => (JsonNode)n).ToArray()),
            ["skeleton"] = new JsonArray(Skeleton.Select(s => (JsonNode)new JsonArray(s[0], s[1])).ToArray()),
        }.WriteTo(writer);
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return (imageId, annotations.Count);
    }

    private static double Round(double value) => Math.Round(value, 2);

    private static double Round(float value) => Math.Round(value, 2);
}
