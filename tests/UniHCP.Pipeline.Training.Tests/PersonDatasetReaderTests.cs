using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>The parsing, Market-1501, CrowdHuman and attribute-table readers: real CIHP samples where ../shared/data has
/// them, and malformed files refused with the file and line named.</summary>
public sealed class PersonDatasetReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-readers-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SharedDataFact]
    public void Cihp_samples_read_as_images_with_20_class_labels()
    {
        var samples = ParsingListReader.Read(Path.Combine(SharedData.Root, "parsing-cihp"), "list/train.txt");

        Assert.Equal(5, samples.Count);
        Assert.Equal("0002190", samples[0].Name);
        Assert.Equal((300, 200), (samples[0].Image.Width, samples[0].Image.Height));
        Assert.All(samples, s => Assert.Equal(s.Image.Width * s.Image.Height, s.Labels.Length));
        Assert.All(samples, s => Assert.All(s.Labels, v => Assert.True(v < 20 || v == 255)));
        // People are in every image: background and at least two body or clothing classes.
        Assert.All(samples, s => Assert.True(s.Labels.Distinct().Count(v => v is > 0 and < 20) >= 2));
    }

    [SharedDataFact]
    public void The_held_out_split_is_list_val_when_it_names_other_images_and_every_fifth_image_otherwise()
    {
        string cihp = Path.Combine(SharedData.Root, "parsing-cihp");
        // ../shared/data's val.txt repeats train.txt: one of the five images is held out, none is in both splits.
        var (train, validation, split) = ParsingListReader.ReadSplits(cihp);
        Assert.Equal(["0002190", "0005008", "0012008", "0026375"], train.Select(s => s.Name));
        Assert.Equal(["0032190"], validation.Select(s => s.Name));
        Assert.Contains("val.txt repeats training images", split, StringComparison.Ordinal);

        // A folder whose val.txt names other images holds those out.
        Directory.CreateDirectory(Path.Combine(_dir, "list"));
        var lines = File.ReadAllLines(Path.Combine(cihp, "list", "train.txt")).Where(l => l.Trim().Length > 0).ToList();
        foreach (string folder in new[] { "images", "labels" })
            Directory.CreateSymbolicLink(Path.Combine(_dir, folder), Path.Combine(cihp, folder));
        File.WriteAllLines(Path.Combine(_dir, "list", "train.txt"), lines[..3]);
        File.WriteAllLines(Path.Combine(_dir, "list", "val.txt"), lines[3..]);
        var (ownTrain, ownValidation, ownSplit) = ParsingListReader.ReadSplits(_dir);
        Assert.Equal(3, ownTrain.Count);
        Assert.Equal(["0026375", "0032190"], ownValidation.Select(s => s.Name));
        Assert.Equal("list/train.txt and list/val.txt", ownSplit);

        Assert.Throws<DirectoryNotFoundException>(() => ParsingListReader.ReadSplits(Path.Combine(_dir, "absent")));
    }

    [Fact]
    public void A_parsing_list_line_without_a_label_path_is_refused_with_its_line()
    {
        File.WriteAllText(Path.Combine(_dir, "list.txt"), "\n/images/a.jpg\n");

        var error = Assert.Throws<DatasetFormatException>(() => ParsingListReader.Read(_dir, "list.txt"));

        Assert.Equal(2, error.Line);
        Assert.Contains("list.txt:2: expected an image path and a label path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Market1501_names_give_identity_and_camera()
    {
        foreach (string name in new[] { "0002_c1s1_000451_03.jpg", "-1_c3s2_000102_01.jpg", "0000_c6s4_001234_00.jpg", "Thumbs.db" })
            File.WriteAllBytes(Path.Combine(_dir, name), []);

        var images = Market1501Reader.Read(_dir);

        Assert.Equal([(-1, 3), (0, 6), (2, 1)], images.Select(i => (i.Identity, i.Camera)));
        File.WriteAllBytes(Path.Combine(_dir, "person7.jpg"), []);
        var error = Assert.Throws<DatasetFormatException>(() => Market1501Reader.Read(_dir));
        Assert.Contains("person7.jpg: the name does not say identity and camera", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CrowdHuman_persons_and_ignore_regions_and_a_bad_line()
    {
        string odgt = Path.Combine(_dir, "train.odgt");
        File.WriteAllLines(odgt,
        [
            """{"ID": "273271,c9db000d5146c15", "gtboxes": [{"tag": "person", "fbox": [10, 20, 30, 60], "vbox": [12, 22, 20, 40], "extra": {"ignore": 0}}, {"tag": "mask", "fbox": [100, 0, 50, 50]}, {"tag": "person", "fbox": [0, 0, 5, 5], "extra": {"ignore": 1}}]}""",
            """{"ID": "x", "gtboxes": [{"tag": "person", "fbox": [1, 2, 3]}]}""",
        ]);

        var error = Assert.Throws<DatasetFormatException>(() => CrowdHumanReader.Read(odgt));
        Assert.Equal(2, error.Line);
        Assert.Contains("an fbox must be [x, y, width, height]", error.Message, StringComparison.Ordinal);

        File.WriteAllLines(odgt, [File.ReadLines(odgt).First()]);
        var record = Assert.Single(CrowdHumanReader.Read(odgt));
        Assert.Equal("273271,c9db000d5146c15", record.Id);
        Assert.Equal(new Core.Events.BoundingBox(10, 20, 40, 80), Assert.Single(record.Persons));
        Assert.Equal(2, record.Ignore.Count);
    }

    [Fact]
    public void Attribute_tables_read_unknowns_and_refuse_bad_labels_with_their_line()
    {
        File.WriteAllBytes(Path.Combine(_dir, "a.jpg"), []);
        string csv = Path.Combine(_dir, "attributes.csv");
        File.WriteAllLines(csv, ["image,Hat,Backpack,Female", "a.jpg,1,,-1", "a.jpg,0,1,0"]);

        var manifest = AttributeManifestReader.Read(csv);

        Assert.Equal(["Hat", "Backpack", "Female"], manifest.Attributes);
        Assert.Equal([1, -1, -1], manifest.Rows[0].Labels);
        Assert.Equal([0, 1, 0], manifest.Rows[1].Labels);
        File.AppendAllLines(csv, ["a.jpg,1,yes,0"]);
        var error = Assert.Throws<DatasetFormatException>(() => AttributeManifestReader.Read(csv));
        Assert.Contains("attributes.csv:4: 'Backpack' is 'yes'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_attribute_manifest_reads_like_the_csv_table()
    {
        File.WriteAllBytes(Path.Combine(_dir, "a.jpg"), []);
        File.WriteAllBytes(Path.Combine(_dir, "b.jpg"), []);
        string path = Path.Combine(_dir, "labels.json");
        File.WriteAllText(path, """
            {
              "source": "site survey, May",
              "attributes": ["uniform", "hi_vis"],
              "images": [
                { "image": "a.jpg", "labels": [1, null] },
                { "image": "b.jpg", "labels": [0, -1], "note": "blurred" }
              ]
            }
            """);

        var manifest = AttributeManifestReader.Read(path);

        Assert.Equal(["uniform", "hi_vis"], manifest.Attributes);
        Assert.Equal(["a.jpg", "b.jpg"], manifest.Rows.Select(r => r.Image));
        Assert.Equal([1, -1], manifest.Rows[0].Labels);
        Assert.Equal([0, -1], manifest.Rows[1].Labels);
    }

    [Theory]
    [InlineData("{\n \"attributes\": [\"x\"],\n \"images\": [\n  {\"image\": \"a.jpg\", \"labels\": [2]}\n ]\n}", 4, "label 1 is 2")]
    [InlineData("{\n \"attributes\": [\"x\", \"y\"],\n \"images\": [\n  {\"image\": \"a.jpg\", \"labels\": [1]}\n ]\n}", 4, "has 1 labels; there are 2 attributes")]
    [InlineData("{\n \"attributes\": [\"x\"],\n \"images\": [\n  {\"image\": \"gone.jpg\", \"labels\": [1]}\n ]\n}", 4, "does not exist")]
    [InlineData("{\n \"attributes\": [\"x\", \"x\"]\n}", 2, "appears twice")]
    [InlineData("{\n \"attributes\": [\"x\"],\n \"images\": [\n  {\"image\": \"a.jpg\" \"labels\": [1]}\n ]\n}", 4, "not valid JSON")]
    [InlineData("[1, 2]", 1, "one object")]
    public void A_malformed_json_manifest_is_refused_with_its_line(string json, int line, string problem)
    {
        File.WriteAllBytes(Path.Combine(_dir, "a.jpg"), []);
        string path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, json);

        var error = Assert.Throws<DatasetFormatException>(() => AttributeManifestReader.Read(path));

        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:{line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_fifth_item_is_held_out_and_at_least_one()
    {
        Assert.Equal("0 1 2 3 5 6 7 8 10 | 4 9", Split(11));
        Assert.Equal("0 1 | 2", Split(3));
        Assert.Equal("0 | 1", Split(2));
        Assert.Throws<ArgumentException>(() => HeldOut.EveryFifth([1]));

        static string Split(int count)
        {
            var (train, validation) = HeldOut.EveryFifth(Enumerable.Range(0, count).ToList());
            return $"{string.Join(' ', train)} | {string.Join(' ', validation)}";
        }
    }
}
