using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Detection;

namespace UniHCP.Pipeline.Training;

/// <summary>
/// The data and held-out splits of the default CPU model, from ../shared/data: Penn-Fudan (every
/// sixth image, by name, held out) and the sample video's teacher labels (frames 0-449 to train,
/// 500-599 held out; 450-499 left out so that no held-out frame is a near copy of a training one).
/// </summary>
public static class DefaultModelRecipe
{
    /// <summary>Detection anchors of the default model (3 content queries each).</summary>
    public const int DefaultAnchors = 100;

    public static TaskRegistry Tasks { get; } = TasksWith(DefaultAnchors);

    /// <summary>The default model's tasks with <paramref name="anchors"/> detection anchor points: a scene
    /// of at most a few dozen people needs fewer than the release's 300, and each costs decoder work.</summary>
    public static TaskRegistry TasksWith(int anchors) => new(
    [
        TaskRegistry.Detection(contentQueries: 3, anchors: anchors),
        TaskRegistry.Standard["pose"],
        TaskRegistry.Standard["parsing"],
        TaskRegistry.Standard["attributes"],
        TaskRegistry.Standard["reid"],
    ]);

    /// <summary>
    /// Places the detection anchors on an even grid over the image (about twice as many columns as rows:
    /// pedestrians are narrow), instead of uniformly at random. With the training-time attention prior a
    /// query sees only the neighbourhood of its anchor, and random anchors leave holes where nobody looks.
    /// </summary>
    public static void SpreadAnchors(UniHcpModel model, string task = "detection")
    {
        var weight = model.Queries(task).PositionWeight;
        int n = (int)weight.shape[0];
        int rows = Math.Max(1, (int)Math.Round(Math.Sqrt(n / 2.0))), columns = (n + rows - 1) / rows;
        var points = new float[n * 2];
        for (int k = 0; k < n; k++)
        {
            points[2 * k] = (float)(((k % columns) + 0.5) / columns);
            points[(2 * k) + 1] = (float)(((k / columns) + 0.5) / rows);
        }
        using var noGrad = TorchSharp.torch.no_grad();
        weight.copy_(TorchSharp.torch.tensor(points, [n, 2]));
    }

    /// <summary>Detection evaluation size: the sample video's native 768x576, Penn-Fudan's images scaled alike.</summary>
    public static DetectionResize EvaluationSize { get; } = new(576, 768);

    public static bool IsPennFudanValidation(int index) => index % 6 == 5;

    public static bool IsVideoTraining(long frame) => frame < 450;

    public static bool IsVideoValidation(long frame) => frame >= 500 && frame < 600;

    public static async Task<List<DetectionDataset>> DetectionDatasetsAsync(string sharedData, string sampleVideo, TextWriter log, CancellationToken cancellationToken = default)
    {
        var pennFudan = PennFudan(sharedData, log);

        string teacher = Path.Combine(sharedData, "vtest-teacher", "vtest_teacher_0-599.json");
        var frames = await VideoTeacherReader.ReadDetectionAsync(teacher, sampleVideo, f => IsVideoTraining(f) || IsVideoValidation(f), cancellationToken).ConfigureAwait(false);
        var vTrain = frames.Where(s => IsVideoTraining(FrameOf(s))).ToList();
        var vValidation = frames.Where(s => IsVideoValidation(FrameOf(s))).ToList();
        log.WriteLine($"vtest teacher: {vTrain.Count} training and {vValidation.Count} held-out frames, {frames.Sum(s => s.Boxes.Count)} persons (teacher score >= {VideoTeacherReader.BoxScore}), {frames.Sum(s => s.Ignore.Count)} ignore regions");
        return
        [
            pennFudan,
            new DetectionDataset("vtest", vTrain, vValidation, Weight: 1, EvaluationSize),
        ];
    }

    /// <summary>Penn-Fudan under <paramref name="sharedData"/>, every sixth image (by name) held out.</summary>
    public static DetectionDataset PennFudan(string sharedData, TextWriter log)
    {
        var all = PennFudanReader.Read(Path.Combine(sharedData, "pennfudan", "PennFudanPed"));
        var train = all.Where((_, i) => !IsPennFudanValidation(i)).ToList();
        var validation = all.Where((_, i) => IsPennFudanValidation(i)).ToList();
        log.WriteLine($"Penn-Fudan: {train.Count} training and {validation.Count} held-out images, {all.Sum(s => s.Boxes.Count)} people");
        return new DetectionDataset("pennfudan", train, validation, Weight: 1, EvaluationSize);
    }

    private static long FrameOf(DetectionSample sample) => long.Parse(sample.Id["frame_".Length..], System.Globalization.CultureInfo.InvariantCulture);
}
