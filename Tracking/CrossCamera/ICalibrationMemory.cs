namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>
/// Where the identities stage keeps, between runs, each camera's sample of pairs of people seen together (the
/// similarities its thresholds are learned from), per weights version: without it every restart waits for
/// <see cref="IdentityOptions.CalibrationPairs"/> new pairs before it gives an identity, and a quiet camera where people
/// are rarely seen together may never get there.
/// </summary>
public interface ICalibrationMemory
{
    /// <summary>The pairs remembered for a camera and weights version, or null when none are.</summary>
    Task<RememberedPairs?> LoadAsync(string cameraId, string modelVersion, CancellationToken cancellationToken);

    /// <summary>Replaces what is remembered for a camera and weights version.</summary>
    Task SaveAsync(string cameraId, string modelVersion, RememberedPairs pairs, CancellationToken cancellationToken);
}

/// <summary>A camera's remembered pair similarities (cosines, oldest first) and the embedding length they were measured at.</summary>
public sealed record RememberedPairs(int EmbeddingLength, float[] Similarities)
{
    /// <summary>Why these pairs cannot be used (they come from outside: a database row), or null when they can.</summary>
    public string? Problem()
    {
        if (EmbeddingLength < 1)
            return $"embedding length {EmbeddingLength} is not positive";
        for (int i = 0; i < Similarities.Length; i++)
        {
            if (!float.IsFinite(Similarities[i]) || Similarities[i] is < -1.0001f or > 1.0001f)
                return $"similarity {i} ({Similarities[i]}) is not a cosine in [-1, 1]";
        }
        return null;
    }
}
