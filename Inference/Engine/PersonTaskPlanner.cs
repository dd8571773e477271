namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>
/// Picks which persons of one frame get the person tasks (ReID, pose, attributes, parsing: a crop through the encoder
/// each), in as many rounds as it needs: <paramref name="describe"/> runs the tasks at once on the given detection indices
/// and returns their ReID embeddings (null entries when ReID is not among the tasks). A person is described at most once
/// per frame; asking again for one is free. Called for every frame of a batch in order, also for frames without persons.
/// </summary>
/// <param name="frame">The frame's index in the batch.</param>
/// <param name="detections">The frame's detections.</param>
/// <param name="describe">Describes the given detections now.</param>
public delegate void PersonTaskPlanner(int frame, IReadOnlyList<Detection> detections, Func<IReadOnlyList<int>, IReadOnlyList<float[]?>> describe);
