using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tests.Support;
using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>Scene label files read for the person tasks: keypoints for pose (time split, held-out scenes validating)
/// and tracklet identities for ReID (one identity set per scene, held-out tracklets split into query and gallery).</summary>
public sealed class ScenePersonReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("scene-persons-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task WriteSceneAsync(string name) => WalkingSceneLabels.WriteAsync(_folder, name);

    [Fact]
    public async Task Pose_trains_on_each_scenes_early_frames_and_validates_on_the_held_out_scene_only()
    {
        await WriteSceneAsync("a");
        await WriteSceneAsync("b");
        var log = new StringWriter();

        var (train, validation) = await ScenePoseReader.ReadFolderAsync(_folder, null, new SceneSplit(), new HashSet<string> { "b" }, log);

        // Scene a: frames 0 ... 140 train; its late frames are not read while a scene is held out. Scene b validates whole.
        Assert.Equal(Enumerable.Range(0, 15).Select(k => $"a/frame_{10 * k:D6}"), train.Select(s => s.Name));
        Assert.Equal(Enumerable.Range(0, 20).Select(k => $"b/frame_{10 * k:D6}"), validation.Select(s => s.Name));
        // Only the person with keypoints is a pose sample, with its box and joints as labelled.
        var (box, truth) = Assert.Single(train[2].Persons);
        Assert.Equal(new BoundingBox(112, 100, 152, 200), box);
        Assert.Equal((132f, 110f), truth.Joints[0]);
        Assert.All(truth.Visibility, v => Assert.Equal(2, v));
        Assert.Contains("scene b (held out whole): 0 training and 20 validation persons with keypoints", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pose_without_held_out_scenes_validates_on_each_scenes_last_fifth()
    {
        await WriteSceneAsync("a");

        var (train, validation) = await ScenePoseReader.ReadFolderAsync(_folder, null, new SceneSplit(), new HashSet<string>(), TextWriter.Null);

        Assert.Equal(15, train.Count);
        Assert.Equal(["a/frame_000160", "a/frame_000170", "a/frame_000180", "a/frame_000190"], validation.Select(s => s.Name));
    }

    [Fact]
    public async Task Each_scene_gets_its_own_identities_and_a_held_out_tracklet_queries_its_second_half_with_its_first()
    {
        await WriteSceneAsync("a");
        await WriteSceneAsync("b");

        // The held-out scene comes first by name: the training identities must still be numbered from 0.
        var (train, validation) = await SceneIdentityReader.ReadFolderAsync(_folder, null, new HashSet<string> { "a" }, TextWriter.Null);

        // Two people per scene, tracked over 20 labelled frames: two identities in b, two in a, each side numbered from 0.
        Assert.Equal([0, 1], train.Select(c => c.Identity).Distinct().Order());
        Assert.Equal([0, 1], validation.Select(c => c.Identity).Distinct().Order());
        Assert.All(train, c => Assert.True(c.Frame % 10 == 0));
        foreach (var tracklet in validation.GroupBy(c => c.Identity))
        {
            int views = tracklet.Count();
            Assert.True(views >= 6, $"identity {tracklet.Key} has {views} views");
            Assert.Equal(views / 2, tracklet.Count(c => c.Frame == 0));
            Assert.Equal(views - (views / 2), tracklet.Count(c => c.Frame == SceneIdentityReader.ValidationSplitFrame));
        }
        // The walker's query views come before its gallery views in time (boxes move right).
        var walker = validation.Where(c => c.Box.Y1 == 100).ToList();
        Assert.True(walker.Where(c => c.Frame == 0).Max(c => c.Box.X1) < walker.Where(c => c.Frame == 1).Min(c => c.Box.X1));
    }

    [Fact]
    public async Task ReId_on_scenes_needs_a_held_out_scene()
    {
        await WriteSceneAsync("a");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => SceneIdentityReader.ReadFolderAsync(_folder, null, new HashSet<string>(), TextWriter.Null));

        Assert.Contains("--held-out-scenes", error.Message, StringComparison.Ordinal);
    }
}
