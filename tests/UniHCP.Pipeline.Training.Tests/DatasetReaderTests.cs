using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>Malformed dataset files are refused with the file (and the line, where there is one) named.</summary>
public sealed class DatasetReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Broken_coco_json_names_the_file_and_line()
    {
        string path = Write("broken.json", "{\n  \"images\": [\n    { \"id\": 1, \"width\": 10, \n");

        var error = Assert.Throws<DatasetFormatException>(() => CocoFile.Read(path));

        Assert.Equal(path, error.File);
        Assert.NotNull(error.Line);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "images": [ { "id": 1, "width": 10, "height": 10 } ], "annotations": [ { "id": 5, "image_id": 2, "bbox": [0, 0, 1, 1] } ] }""", "refers to image 2")]
    [InlineData("""{ "images": [ { "id": 1, "width": 10, "height": 10 } ], "annotations": [ { "id": 5, "image_id": 1, "bbox": [0, 0, -1, 1] } ] }""", "non-negative size")]
    [InlineData("""{ "images": [ { "id": 1, "width": 0, "height": 10 } ], "annotations": [] }""", "has size 0x10")]
    [InlineData("""{ "images": [ { "id": 1, "width": 5, "height": 5 }, { "id": 1, "width": 5, "height": 5 } ], "annotations": [] }""", "id 1 is used twice")]
    [InlineData("""{ "annotations": [] }""", "'images' and 'annotations' are required")]
    public void Inconsistent_coco_files_are_refused_with_the_reason(string json, string reason)
    {
        string path = Write("bad.json", json);

        var error = Assert.Throws<DatasetFormatException>(() => CocoFile.Read(path));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_coco_file_reads_its_images_and_boxes()
    {
        string path = Write("ok.json", """{ "images": [ { "id": 7, "file_name": "a.jpg", "width": 64, "height": 48 } ], "annotations": [ { "id": 1, "image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4] } ] }""");

        var coco = CocoFile.Read(path);

        Assert.Equal(64, Assert.Single(coco.Images).Width);
        Assert.Equal([1.0, 2, 3, 4], Assert.Single(coco.ByImage[7]).Bbox!);
    }


    [SharedDataFact]
    public void Coco_keypoint_files_with_human_annotations_read_as_pose_samples()
    {
        string samples = Path.Combine(SharedData.Root, "pose-samples");

        var ochuman = CocoPoseReader.Read(Path.Combine(samples, "ochuman", "test_ochuman.json"), Path.Combine(samples, "ochuman"));
        // Human-Art names 21 joints (COCO's 17 first) and its file names carry a "HumanArt/images/" root the copy lacks.
        var humanArt = CocoPoseReader.Read(Path.Combine(samples, "humanart", "test_humanart.json"), Path.Combine(samples, "humanart"));

        Assert.Equal((3, 5), (ochuman.Count, ochuman.Sum(s => s.Persons.Count)));
        Assert.Equal((3, 4), (humanArt.Count, humanArt.Sum(s => s.Persons.Count)));
        Assert.All(ochuman.Concat(humanArt).SelectMany(s => s.Persons), p =>
        {
            Assert.Equal(17, p.Truth.Joints.Count);
            Assert.True(p.Truth.Area > 0);
        });
        Assert.Equal(356725, ochuman.Single(s => s.Name == "003799.jpg").Persons[0].Truth.Area); // the file's area, not the box's
    }

    [SharedDataFact]
    public void Keypoint_files_of_other_layouts_read_by_joint_name_with_the_joints_they_lack_unlabelled()
    {
        string samples = Path.Combine(SharedData.Root, "pose-samples");

        // CrowdPose: "left_shoulder" ... "head", "neck" - twelve of COCO's joints, in its own order.
        var crowdPose = CocoPoseReader.Read(Path.Combine(samples, "crowdpose", "test_crowdpose.json"), Path.Combine(samples, "crowdpose"));
        // AI Challenger: "Right Shoulder", ... - spaces and capitals.
        var aic = CocoPoseReader.Read(Path.Combine(samples, "aic", "test_aic.json"), Path.Combine(samples, "aic"));
        // PoseTrack: COCO's order with head_bottom / head_top where the eyes are, iscrowd written as false, and the
        // images beside the annotations folder, not in it.
        var poseTrack = CocoPoseReader.Read(Path.Combine(samples, "posetrack18", "annotations", "test_posetrack18_val.json"), Path.Combine(samples, "posetrack18", "annotations"), alsoParentFolder: true);

        Assert.Equal((2, 4), (crowdPose.Count, crowdPose.Sum(s => s.Persons.Count))); // the fifth person has no joint
        Assert.Equal((3, 9), (aic.Count, aic.Sum(s => s.Persons.Count)));
        Assert.Equal((3, 14), (poseTrack.Count, poseTrack.Sum(s => s.Persons.Count)));
        Assert.Equal(["nose", "left_eye", "right_eye", "left_ear", "right_ear"], CocoPoseReader.UnlabelledJoints(crowdPose));
        Assert.Equal(["nose", "left_eye", "right_eye", "left_ear", "right_ear"], CocoPoseReader.UnlabelledJoints(aic));
        Assert.Equal(["left_eye", "right_eye", "left_ear", "right_ear"], CocoPoseReader.UnlabelledJoints(poseTrack));
        // CrowdPose's first column is left_shoulder (COCO's 5th joint): read into COCO's place.
        var first = crowdPose.Single(s => s.Name == "106848.jpg").Persons[0].Truth;
        Assert.Equal((208f, 108f), first.Joints[6]); // right_shoulder, the file's second column
        Assert.Equal(0, first.Visibility[0]);
        var posetrackFolderOnly = Assert.Throws<DatasetFormatException>(() => CocoPoseReader.Read(Path.Combine(samples, "posetrack18", "annotations", "test_posetrack18_val.json"), Path.Combine(samples, "posetrack18", "annotations")));
        Assert.Contains("is not under", posetrackFolderOnly.Message, StringComparison.Ordinal);

        string strange = Write("strange.json", """{ "images": [], "annotations": [], "categories": [ { "id": 1, "name": "person", "keypoints": ["beak", "wing_tip"] } ] }""");
        var unknown = Assert.Throws<DatasetFormatException>(() => CocoPoseReader.Read(strange, _dir));
        Assert.Contains("none of the 2 keypoint names (beak, wing_tip", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("strange.json", unknown.Message, StringComparison.Ordinal);
    }


    [SharedDataFact]
    public void Coco_detection_files_give_person_boxes_crowds_as_ignore_regions_and_keep_negatives()
    {
        string ochuman = Path.Combine(SharedData.Root, "pose-samples", "ochuman");
        var samples = CocoDetectionReader.Read(Path.Combine(ochuman, "test_ochuman.json"), ochuman, "ochuman");
        Assert.Equal((3, 5), (samples.Count, samples.Sum(s => s.Boxes.Count)));
        Assert.All(samples, s => Assert.Equal("ochuman", s.Dataset));

        // A site's export: two categories, a crowd box, an image without people, a box outside "person".
        File.Copy(Path.Combine(ochuman, "003799.jpg"), Path.Combine(_dir, "a.jpg"));
        File.Copy(Path.Combine(ochuman, "000817.jpg"), Path.Combine(_dir, "b.jpg"));
        var (wa, ha) = Size(samples, "003799.jpg");
        var (wb, hb) = Size(samples, "000817.jpg");
        string site = Write("site.json", $$"""
            {"images": [{"id": 1, "file_name": "a.jpg", "width": {{wa}}, "height": {{ha}}}, {"id": 2, "file_name": "b.jpg", "width": {{wb}}, "height": {{hb}}}],
             "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "cart"}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 30, 60], "iscrowd": 0},
                             {"id": 2, "image_id": 1, "category_id": 1, "bbox": [100, 20, 80, 60], "iscrowd": 1},
                             {"id": 3, "image_id": 2, "category_id": 2, "bbox": [10, 20, 30, 60], "iscrowd": 0}]}
            """);

        var read = CocoDetectionReader.Read(site, _dir, "site");

        Assert.Equal([1, 0], read.Select(s => s.Boxes.Count));
        Assert.Equal(new Core.Events.BoundingBox(10, 20, 40, 80), read[0].Boxes[0]);
        Assert.Equal(new Core.Events.BoundingBox(100, 20, 180, 80), read[0].Ignore.Single());
        Assert.Empty(read[1].Ignore);

        string wrongSize = Write("wrong.json", File.ReadAllText(site).Replace($"\"width\": {wa}", "\"width\": 7", StringComparison.Ordinal));
        Assert.Contains("the file says 7x", Assert.Throws<DatasetFormatException>(() => CocoDetectionReader.Read(wrongSize, _dir, "site")).Message, StringComparison.Ordinal);
        string noPerson = Write("noperson.json", File.ReadAllText(site).Replace("\"person\"", "\"people\"", StringComparison.Ordinal));
        Assert.Contains("no category is named \"person\"", Assert.Throws<DatasetFormatException>(() => CocoDetectionReader.Read(noPerson, _dir, "site")).Message, StringComparison.Ordinal);

        static (int, int) Size(List<DetectionSample> samples, string name) =>
            samples.Single(s => s.Id == name) is var s ? (s.Image.Width, s.Image.Height) : default;
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
