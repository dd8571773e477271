using System.Text.Json.Nodes;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Labelling;

namespace UniHCP.Pipeline.Training.Tests.Labelling;

/// <summary>
/// `unihcp label`'s labeller with the real pretrained teachers (installed by set-up; $UNIHCP_TEACHERS) on the sample
/// video, and with our own weights as the teacher.
/// </summary>
public sealed class LabellerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeller-").FullName;

    private static string Reference => Path.Combine(SharedData.Root, "vtest-teacher", "vtest_teacher_0-599.json");

    private static Task<PretrainedTeachers> TeachersAsync(bool pose, KeypointTeacher keypoints = KeypointTeacher.MultiPose) =>
        PretrainedTeachers.StartAsync(TeacherInstallation.Locate(null), new PretrainedTeacherOptions { Pose = pose, KeypointTeacher = keypoints }, CancellationToken.None);

    [SharedDataTheory]
    [InlineData(KeypointTeacher.Thunder, "MoveNet Thunder")]
    [InlineData(KeypointTeacher.MultiPose, "MoveNet MultiPose")]
    public async Task Boxes_land_on_the_people_the_reference_labels_and_keypoints_on_their_bodies(KeypointTeacher keypointTeacher, string named)
    {
        string output = Path.Combine(_folder, "sample.json");
        await using (var teachers = await TeachersAsync(pose: true, keypointTeacher))
        {
            var summary = await new Labeller(teachers).LabelAsync(SampleVideo.Locate(), new LabelSelection(Every: 10, Start: 300, End: 330), output, null, CancellationToken.None);
            Assert.Equal((3, 0), (summary.Labelled, summary.Resumed));
            Assert.Equal(output, summary.Output);
        }

        var labels = CocoFile.Read(output);
        var reference = CocoFile.Read(Reference);
        Assert.Equal([300L, 310, 320], labels.Images.Select(i => i.FrameIndex ?? -1));
        foreach (var image in labels.Images)
        {
            Assert.Equal((768, 576), (image.Width, image.Height));
            // The reference: the same CenterNet, stretched to 512x512 (a weaker fit), and MoveNet on the whole frame.
            var referenceBoxes = reference.ByImage[image.FrameIndex!.Value].Where(a => a.Source == "centernet" && a.Score >= 0.4).Select(Box).ToList();
            var referencePoses = reference.ByImage[image.FrameIndex!.Value].Where(a => a.Source == "movenet").ToList();
            var confident = labels.ByImage[image.Id].Where(a => a.Score >= 0.4).ToList();
            Assert.True(confident.Count >= 5, $"frame {image.FrameIndex}: {confident.Count} confident persons");
            int matched = confident.Count(a => referenceBoxes.Any(r => r.IoU(Box(a)) >= 0.5));
            Assert.True(matched >= 0.8 * confident.Count, $"frame {image.FrameIndex}: {matched} of {confident.Count} confident boxes match the reference");
            Assert.All(labels.ByImage[image.Id], a => Assert.InRange(a.Score!.Value, 0.12, 1));

            foreach (var person in labels.ByImage[image.Id].Where(a => a.Keypoints is not null))
            {
                var box = Box(person);
                var joints = Joints(person);
                // Every labelled joint lies on the person: inside the box grown by a quarter of its height (an arm
                // swings out of a narrow walker's box).
                double grow = 0.25 * box.Height;
                foreach (var (x, y) in joints.Values)
                    Assert.True(x > box.X1 - grow && x < box.X2 + grow && y > box.Y1 - grow && y < box.Y2 + grow, $"joint ({x}, {y}) off {box}");
                // Upright walkers: the head above the hips above the ankles.
                if (joints.TryGetValue(0, out var nose) && joints.TryGetValue(11, out var hip) && joints.TryGetValue(15, out var ankle))
                    Assert.True(nose.Y < hip.Y && hip.Y < ankle.Y, $"nose {nose.Y}, hip {hip.Y}, ankle {ankle.Y} on {box}");
                // Where MoveNet on the whole frame saw the same person, the joints agree within a tenth of the height.
                var same = referencePoses.Where(r => Box(r).IoU(box) >= 0.5).Select(Joints).FirstOrDefault();
                if (same is not null)
                {
                    var distances = joints.Keys.Intersect(same.Keys).Select(j => Math.Sqrt(Math.Pow(joints[j].X - same[j].X, 2) + Math.Pow(joints[j].Y - same[j].Y, 2)) / box.Height).Order().ToList();
                    if (distances.Count >= 5)
                        Assert.True(distances[distances.Count / 2] < 0.1, $"median joint distance {distances[distances.Count / 2]:0.000} of the height on {box}");
                }
            }
        }
        int posed = labels.Annotations.Count(a => a.Keypoints is not null);
        Assert.True(posed >= 15, $"{posed} persons with keypoints in 3 frames");
        var info = JsonNode.Parse(await File.ReadAllTextAsync(output))!["info"]!;
        Assert.Contains("centernet", info["labeller"]!["teacher"]!["boxes"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(named, info["labeller"]!["teacher"]!["keypoints"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interrupted_run_resumes_to_what_an_uninterrupted_run_writes()
    {
        var selection = new LabelSelection(Every: 10, Start: 200, End: 230);
        string straight = Path.Combine(_folder, "straight.json"), resumed = Path.Combine(_folder, "resumed.json");
        await using (var teachers = await TeachersAsync(pose: false))
        {
            await new Labeller(teachers).LabelAsync(SampleVideo.Locate(), selection, straight, null, CancellationToken.None);

            using var stop = new CancellationTokenSource();
            var interrupted = await new Labeller(teachers).LabelAsync(SampleVideo.Locate(), selection, resumed, new SynchronousProgress(p =>
            {
                if (p.Labelled == 1)
                    stop.Cancel();
            }), stop.Token);
            Assert.Null(interrupted.Output);
            Assert.Equal(1, interrupted.Labelled);
            Assert.False(File.Exists(resumed));

            var finished = await new Labeller(teachers).LabelAsync(SampleVideo.Locate(), selection, resumed, null, CancellationToken.None);
            Assert.Equal((2, 1), (finished.Labelled, finished.Resumed));
        }

        var a = CocoFile.Read(straight);
        var b = CocoFile.Read(resumed);
        Assert.Equal(a.Images.Select(i => i.FileName), b.Images.Select(i => i.FileName));
        Assert.Equal(a.Annotations.Select(x => (x.ImageId, string.Join(",", x.Bbox!), x.Score)), b.Annotations.Select(x => (x.ImageId, string.Join(",", x.Bbox!), x.Score)));
    }

    [Fact]
    public async Task A_folder_of_images_is_labelled_by_path_and_a_broken_image_is_skipped_and_named()
    {
        string images = Directory.CreateDirectory(Path.Combine(_folder, "images", "cam1")).FullName;
        var frames = await VideoFrames.ReadAsync(SampleVideo.Locate(), i => i is 100 or 400);
        await File.WriteAllBytesAsync(Path.Combine(images, "a.jpg"), ImageCodec.EncodeJpeg(new RgbImage(frames[0].Width, frames[0].Height, frames[0].Rgb)));
        await File.WriteAllBytesAsync(Path.Combine(images, "b.jpg"), ImageCodec.EncodeJpeg(new RgbImage(frames[1].Width, frames[1].Height, frames[1].Rgb)));
        await File.WriteAllTextAsync(Path.Combine(images, "broken.jpg"), "not an image");
        string output = Path.Combine(_folder, "folder.json");

        await using (var teachers = await TeachersAsync(pose: false))
        {
            var summary = await new Labeller(teachers).LabelAsync(Path.Combine(_folder, "images"), new LabelSelection(Every: 1), output, null, CancellationToken.None);
            Assert.Equal(2, summary.Labelled);
            Assert.Contains(summary.Skipped, s => s.StartsWith("cam1/broken.jpg", StringComparison.Ordinal));
        }
        var coco = CocoFile.Read(output);
        Assert.Equal(["cam1/a.jpg", "cam1/b.jpg"], coco.Images.Select(i => i.FileName));
        Assert.All(coco.Images, i => Assert.Null(i.FrameIndex));
        Assert.All(coco.Images, i => Assert.True(coco.ByImage[i.Id].Count(a => a.Score >= 0.4) >= 3, $"{i.FileName}: people found"));
        Assert.Contains("broken.jpg", JsonNode.Parse(await File.ReadAllTextAsync(output))!["info"]!["skipped"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Our_weights_as_teacher_write_every_task_they_have()
    {
        TorchSharp.torch.manual_seed(5);
        var model = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard);
        var metadata = WeightsMetadata.For("teacher-test", ModelConfig.Tiny, TaskRegistry.Standard);
        var options = new PerceptionOptions { DetectionThreshold = 0.01f, MaxDetections = 4, Tasks = ["pose", "attributes", "reid"], PoseFlipTest = false };
        using var reference = new PerceptionEngineBuilder().WithModel(model, metadata).WithOptions(options).Build();
        var frame = (await VideoFrames.ReadAsync(SampleVideo.Locate(), i => i == 50))[0];
        var expected = reference.Process([new VideoFrame("x", 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, frame.Width, frame.Height, PixelFormat.Rgb24, frame.Rgb)])[0].Persons;
        string output = Path.Combine(_folder, "weights.json");

        var teacher = new WeightsTeacher(new PerceptionEngineBuilder().WithModel(model, metadata).WithOptions(options).Build());
        await using (teacher)
            await new Labeller(teacher).LabelAsync(SampleVideo.Locate(), new LabelSelection(Every: 1, Start: 50, End: 51), output, null, CancellationToken.None);

        var json = JsonNode.Parse(await File.ReadAllTextAsync(output))!;
        var annotations = json["annotations"]!.AsArray();
        Assert.Equal(expected.Count, annotations.Count);
        Assert.NotEmpty(expected);
        for (int i = 0; i < expected.Count; i++)
        {
            var a = annotations[i]!;
            Assert.Equal("weights:teacher-test", a["source"]!.GetValue<string>());
            Assert.Equal(expected[i].Box.X1, a["bbox"]![0]!.GetValue<double>(), 1);
            Assert.Equal(expected[i].Score, a["score"]!.GetValue<double>(), 3);
            Assert.Equal(51, a["keypoints"]!.AsArray().Count);
            Assert.Equal(expected[i].Embedding.Length, a["embedding"]!.AsArray().Count);
            Assert.Equal(expected[i].Attributes!.Count, a["attributes"]!.AsObject().Count);
            Assert.NotNull(a["colours"]);
        }
        Assert.Equal("reid", json["info"]!["labeller"]!["teacher"]!["tasks"]!.GetValue<string>().Split(", ").Last());
    }

    private static BoundingBox Box(CocoAnnotation a) => new((float)a.Bbox![0], (float)a.Bbox[1], (float)(a.Bbox[0] + a.Bbox[2]), (float)(a.Bbox[1] + a.Bbox[3]));

    /// <summary>The labelled joints (v > 0) by index.</summary>
    private static Dictionary<int, (double X, double Y)> Joints(CocoAnnotation a) =>
        Enumerable.Range(0, a.Keypoints!.Length / 3).Where(j => a.Keypoints[(3 * j) + 2] > 0).ToDictionary(j => j, j => (a.Keypoints[3 * j], a.Keypoints[(3 * j) + 1]));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Progress reported on the labeller's own thread (Progress&lt;T&gt; posts to the pool, too late to stop at one frame).</summary>
    private sealed class SynchronousProgress(Action<LabelProgress> report) : IProgress<LabelProgress>
    {
        public void Report(LabelProgress value) => report(value);
    }
}
