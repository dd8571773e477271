using System.Globalization;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// The detection input size a weights file was trained for, recorded in its provenance. A model trained at one
/// size detects best near it, and a CPU model run at the release's short side of 800 only spends time: runs
/// default to the recorded size.
/// </summary>
public static class DetectionInput
{
    public const string ShortSideKey = "inference.detection_short_side";

    /// <summary>The recorded resize, or the release rule (short side 800) when the file records none.</summary>
    public static DetectionResize For(WeightsMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Provenance.TryGetValue(ShortSideKey, out string? text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int side) && side is >= 32 and <= 4096)
        {
            return new DetectionResize(side, (int)Math.Ceiling(side * 1333.0 / 800));
        }
        return new DetectionResize();
    }
}
