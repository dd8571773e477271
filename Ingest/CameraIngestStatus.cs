namespace UniHCP.Pipeline.Ingest;

/// <summary>How a camera's ingest ended.</summary>
public enum CameraIngestStatus
{
    /// <summary>The source ended normally (files) after every frame was published.</summary>
    Completed = 0,

    /// <summary>The source failed; frames decoded before the failure were published.</summary>
    Failed = 1,

    /// <summary>Ingest was cancelled (shutdown) before the source ended.</summary>
    Stopped = 2,
}
