namespace UniHCP.Pipeline.Ingest.Decoding;

/// <summary>How one FFmpeg run over a source ended.</summary>
internal enum DecodeStatus
{
    /// <summary>The source ended and FFmpeg reported no error.</summary>
    Completed,

    /// <summary>FFmpeg exited normally but logged decoding errors (typical of truncated or damaged files).</summary>
    CompletedWithErrors,

    /// <summary>FFmpeg failed (could not open or read the source) or its output was not usable.</summary>
    Failed,

    /// <summary>The caller's token was cancelled (shutdown, or a live source's watchdog).</summary>
    Cancelled,
}

/// <param name="Status">How the run ended.</param>
/// <param name="Frames">Frames delivered to the callback.</param>
/// <param name="Error">FFmpeg's error lines or our own reason, condensed; null when there was none.</param>
internal sealed record DecodeOutcome(DecodeStatus Status, long Frames, string? Error);
