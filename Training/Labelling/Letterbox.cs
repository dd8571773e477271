namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>
/// An aspect-preserving fit of a frame into a square model input, centred with zero padding, as CenterNet's
/// own repository feeds it (stretching the frame cost the teacher 10 points of AP50, TEACHER-NOTES.md).
/// </summary>
public readonly record struct Letterbox(int Size, double Scale, int ResizedWidth, int ResizedHeight, int PadX, int PadY)
{
    public static Letterbox Fit(int width, int height, int size)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"A frame of {width}x{height} cannot be fitted.");
        double scale = Math.Min((double)size / width, (double)size / height);
        int resizedWidth = Math.Clamp((int)Math.Round(width * scale), 1, size);
        int resizedHeight = Math.Clamp((int)Math.Round(height * scale), 1, size);
        return new Letterbox(size, scale, resizedWidth, resizedHeight, (size - resizedWidth) / 2, (size - resizedHeight) / 2);
    }

    /// <summary>A model-input point in frame pixels.</summary>
    public (double X, double Y) ToFrame(double x, double y) => ((x - PadX) / Scale, (y - PadY) / Scale);
}
