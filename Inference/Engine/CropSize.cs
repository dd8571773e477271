namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>Input size of a person crop in pixels; both sides multiples of 16.</summary>
public readonly record struct CropSize(int Width, int Height)
{
    public override string ToString() => $"{Width}x{Height}";

    public void Validate(string what)
    {
        if (Width < 16 || Height < 16 || Width % 16 != 0 || Height % 16 != 0 || Width > 1344 || Height > 1344)
            throw new ArgumentException($"{what} crop size {this} must have sides that are multiples of 16, between 16 and 1344.");
    }
}
