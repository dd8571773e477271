namespace UniHCP.Pipeline.Ingest.Configuration;

/// <summary>FFmpeg scaler used when a camera's frames are resized.</summary>
public enum ScaleAlgorithm
{
    /// <summary>Area averaging: the best quality for downscaling and faster than bicubic (default).</summary>
    Area = 0,
    Bilinear = 1,
    Bicubic = 2,
    /// <summary>Nearest neighbour: fastest, blocky.</summary>
    Neighbor = 3,
}
