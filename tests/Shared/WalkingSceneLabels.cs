using System.Text.Json.Nodes;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Labelling;

namespace UniHCP.Pipeline.Tests.Support;

/// <summary>A scene label file as `unihcp label` writes it, over the sample's frames 0, 10 ... 190 (a clip of 191
/// frames): one confident person walking right 6 px per labelled frame, with keypoints, and a second confident person
/// without keypoints standing still far away.</summary>
internal static class WalkingSceneLabels
{
    public static async Task<string> WriteAsync(string folder, string name)
    {
        var entries = Enumerable.Range(0, 20).Select(k =>
        {
            float x = 100 + (6 * k);
            var joints = Enumerable.Range(0, CocoLabels.JointNames.Count).Select(j => new Keypoint(x + 20, 110 + (5 * j), 0.8f, true)).ToList();
            return new JsonObject
            {
                ["image"] = new JsonObject { ["file_name"] = $"frame_{10 * k:D6}", ["width"] = 768, ["height"] = 576, ["frame_index"] = 10 * k },
                ["persons"] = new JsonArray(
                    CocoLabels.Person(new PersonLabel(new BoundingBox(x, 100, x + 40, 200), 0.9f, "centernet") { Keypoints = joints, KeypointSource = "movenet" }),
                    CocoLabels.Person(new PersonLabel(new BoundingBox(600, 300, 640, 400), 0.9f, "centernet"))),
            };
        });
        var info = new JsonObject { ["labeller"] = new JsonObject { ["source"] = SampleVideo.Locate() } };
        string path = Path.Combine(folder, name + ".json");
        await CocoLabels.WriteAsync(path, info, entries, CancellationToken.None);
        return path;
    }
}
