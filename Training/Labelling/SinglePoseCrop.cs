using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>
/// MoveNet Thunder (single person) on person crops: each person's region - the box grown by a margin, then squared around
/// its centre - is resized to the model's square input and gives one pose. Measured on the 43 human-annotated persons of
/// ../shared/data/pose-samples, on their own boxes: OKS AP 0.620 (AP50 0.906) against 0.533 (0.830) for MultiPose
/// Lightning in one 128 x 256 cell of <see cref="PoseMosaic"/>, at about 110 ms per person against 325 ms per six-cell pass.
/// </summary>
public sealed record SinglePoseCrop(int Side = 256, float Margin = 0.15f, float MinPoseScore = 0.2f)
{
    /// <summary>Values per person: 17 x (y, x, score), normalised to the crop.</summary>
    public const int PersonValues = PoseMosaic.Joints * 3;

    /// <summary>The frame region resized to the model's input for <paramref name="person"/>.</summary>
    public BoundingBox Region(BoundingBox person)
    {
        float side = Math.Max(person.Width, person.Height) * (1 + (2 * Margin));
        float cx = (person.X1 + person.X2) / 2, cy = (person.Y1 + person.Y2) / 2;
        return new BoundingBox(cx - (side / 2), cy - (side / 2), cx + (side / 2), cy + (side / 2));
    }

    /// <summary>Each person's joints in frame pixels from the [N, 17, 3] output of their regions, in order; null where the
    /// pose's mean joint score is under <see cref="MinPoseScore"/> (no person the model could make out).</summary>
    public IReadOnlyList<Keypoint>?[] Decode(ReadOnlySpan<float> output, IReadOnlyList<BoundingBox> persons)
    {
        if (output.Length != persons.Count * PersonValues)
            throw new ArgumentException($"MoveNet Thunder output has {output.Length} values, not {persons.Count} x {PersonValues}.");
        var answers = new IReadOnlyList<Keypoint>?[persons.Count];
        for (int p = 0; p < persons.Count; p++)
        {
            var values = output.Slice(p * PersonValues, PersonValues);
            var region = Region(persons[p]);
            var joints = new Keypoint[PoseMosaic.Joints];
            float total = 0;
            for (int j = 0; j < PoseMosaic.Joints; j++)
            {
                float y = values[3 * j], x = values[(3 * j) + 1], s = values[(3 * j) + 2];
                joints[j] = new Keypoint(ToFrame(x, region.X1, region.Width), ToFrame(y, region.Y1, region.Height), s, s >= 0.3f);
                total += s;
            }
            answers[p] = total / PoseMosaic.Joints >= MinPoseScore ? joints : null;
        }
        return answers;
    }

    // A crop coordinate u in 0..1 spans the region's sampled pixel centres (crop-and-resize samples the region's corners
    // at the first and last pixels), as PoseMosaic maps its cells.
    private float ToFrame(float u, float start, float length) => start + (((u * Side) - 0.5f) * length / (Side - 1));
}
