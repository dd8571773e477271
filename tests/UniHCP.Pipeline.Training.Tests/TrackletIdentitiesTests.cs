using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>Pseudo identities for ReID from the sample video's teacher boxes linked by our tracker.</summary>
public sealed class TrackletIdentitiesTests
{
    [SharedDataFact]
    public async Task Tracklets_become_contiguously_numbered_identities_of_teacher_boxes()
    {
        string teacher = Path.Combine(SharedData.Root, "vtest-teacher", "vtest_teacher_0-599.json");
        var detection = await VideoTeacherReader.ReadDetectionAsync(teacher, SampleVideo.Locate(), f => f < 60);

        var crops = await TrackletIdentities.ReadAsync(teacher, SampleVideo.Locate(), f => f < 60, minLength: 8);

        var identities = crops.GroupBy(c => c.Identity).ToList();
        Assert.True(identities.Count >= 3, $"{identities.Count} identities in 60 frames of a walkway with 4-8 people");
        Assert.Equal(Enumerable.Range(0, identities.Count), identities.Select(g => g.Key).Order());
        Assert.All(identities, g => Assert.True(g.Count() >= 8));
        // One box per identity per frame, and every box is one of the teacher's persons of that frame.
        Assert.All(identities, g => Assert.Equal(g.Count(), g.Select(c => c.Frame).Distinct().Count()));
        var teacherBoxes = detection.ToDictionary(s => long.Parse(s.Id["frame_".Length..], System.Globalization.CultureInfo.InvariantCulture), s => s.Boxes);
        Assert.All(crops, c => Assert.Contains(c.Box, teacherBoxes[c.Frame]));
    }
}
