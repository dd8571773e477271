using System.Globalization;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// The teacher keypoints of scenes labelled by `unihcp label` (MoveNet on person crops), for top-down pose: every
/// person with a labelled joint, each scene split in time as its detection labels are (<see cref="SceneSplit"/>), a
/// held-out scene validating whole. When scenes are held out, only they validate (the unseen cameras are what the
/// measure is for), and the other scenes' late frames are not read. Samples are named scene/frame_NNNNNN so that results say where they came from.
/// </summary>
public static class ScenePoseReader
{
    public static async Task<(List<PoseSample> Train, List<PoseSample> Validation)> ReadFolderAsync(
        string folder, string? videosFolder, SceneSplit split, IReadOnlySet<string> heldOutScenes, TextWriter log, CancellationToken cancellationToken = default)
    {
        split.Validate();
        var train = new List<PoseSample>();
        var validation = new List<PoseSample>();
        foreach (string file in SceneLabelReader.LabelFiles(folder, heldOutScenes))
        {
            string scene = Path.GetFileNameWithoutExtension(file);
            bool heldOut = heldOutScenes.Contains(scene);
            var (video, _) = SceneLabelReader.Provenance(file, videosFolder);
            long length = SceneLabelReader.LabelledLength(file, CocoFile.Read(file));
            bool Training(long f) => !heldOut && split.IsTraining(f, length);
            bool Validation(long f) => heldOut || (heldOutScenes.Count == 0 && split.IsValidation(f, length));
            var samples = await VideoTeacherReader.ReadPoseAsync(file, video, f => Training(f) || Validation(f), cancellationToken).ConfigureAwait(false);
            int trained = 0, validated = 0;
            foreach (var sample in samples.Where(s => s.Persons.Count > 0))
            {
                long frame = VideoTeacherReader.FrameOf(sample.Name);
                var named = sample with { Name = $"{scene}/{sample.Name}" };
                if (Training(frame))
                {
                    train.Add(named);
                    trained += named.Persons.Count;
                }
                else
                {
                    validation.Add(named);
                    validated += named.Persons.Count;
                }
            }
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scene {scene}{(heldOut ? " (held out whole)" : string.Empty)}: {trained} training and {validated} validation persons with keypoints"));
        }
        return (train, validation);
    }
}
