using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Evaluation;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>An image with its labelled persons: the box each pose is read in and the joints (for top-down pose with
/// given boxes, the COCO "ground-truth box" protocol).</summary>
public sealed record PoseSample(string Name, RgbImage Image, IReadOnlyList<(BoundingBox Box, PoseTruth Truth)> Persons);
