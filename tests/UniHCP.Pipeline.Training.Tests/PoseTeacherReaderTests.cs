using System.Text.Json;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>VideoTeacherReader.ReadPoseAsync on the sample video's teacher keypoints (what `unihcp eval pose` scores against).</summary>
public sealed class PoseTeacherReaderTests
{
    private static string Teacher => Path.Combine(SharedData.Root, "vtest-teacher", "vtest_teacher_0-599.json");

    [SharedDataFact]
    public async Task Reads_every_movenet_person_with_a_labelled_joint_and_its_box()
    {
        var samples = await VideoTeacherReader.ReadPoseAsync(Teacher, SampleVideo.Locate(), f => f is >= 500 and < 504);

        // The file itself, read independently: MoveNet annotations of those frames with any v > 0.
        using var json = JsonDocument.Parse(File.ReadAllText(Teacher));
        int expected = json.RootElement.GetProperty("annotations").EnumerateArray().Count(a =>
            a.GetProperty("image_id").GetInt64() is >= 500 and < 504
            && a.TryGetProperty("source", out var source) && source.GetString() == "movenet"
            && a.GetProperty("keypoints").EnumerateArray().Where((_, i) => i % 3 == 2).Any(v => v.GetDouble() > 0));
        Assert.Equal(4, samples.Count);
        Assert.Equal(expected, samples.Sum(s => s.Persons.Count));
        Assert.All(samples, s => Assert.Equal((768, 576), (s.Image.Width, s.Image.Height)));
        foreach (var (box, truth) in samples.SelectMany(s => s.Persons))
        {
            Assert.Equal(17, truth.Joints.Count);
            Assert.All(truth.Visibility, v => Assert.InRange(v, 0, 2));
            Assert.Equal(box.Width * box.Height, truth.Area, 1);
            // MoveNet's joints of a person lie around its own box (a margin for wrists and ankles at the edge).
            foreach (var (joint, v) in truth.Joints.Zip(truth.Visibility).Where(j => j.Second > 0))
                Assert.True(joint.X > box.X1 - 40 && joint.X < box.X2 + 40 && joint.Y > box.Y1 - 40 && joint.Y < box.Y2 + 40, $"joint {joint} outside {box}");
        }
    }

    [Fact]
    public async Task A_person_with_the_wrong_number_of_joints_is_refused_naming_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"teacher-{Guid.NewGuid():N}.json");
        var names = string.Join(", ", Enumerable.Range(0, 17).Select(i => $"\"j{i}\""));
        await File.WriteAllTextAsync(path, $$"""
            {"images": [{"id": 0, "file_name": "frame_000000", "width": 768, "height": 576}],
             "categories": [{"id": 1, "name": "person", "keypoints": [{{names}}]}],
             "annotations": [{"id": 9, "image_id": 0, "category_id": 1, "bbox": [1, 2, 30, 60], "iscrowd": 0, "source": "movenet", "keypoints": [1, 2, 2, 3, 4, 2]}]}
            """);
        try
        {
            var error = await Assert.ThrowsAsync<DatasetFormatException>(() => VideoTeacherReader.ReadPoseAsync(path, SampleVideo.Locate(), f => f == 0));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains("annotation 9 has 2 joints", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
