using UniHCP.Pipeline.Core.Events;
using ScoredBox = UniHCP.Pipeline.Inference.Engine.Detection;

namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>
/// Person boxes from CenterNet's person heatmap and box distances, decoded here rather than taken from the graph's
/// own top 100, which all 80 classes share and so cuts low-score people (TEACHER-NOTES.md: 2-4 points of recall).
/// A peak is a cell no lower than its eight neighbours; its box is the cell's position times the stride, minus the
/// left and top distances and plus the right and bottom ones (model-input pixels).
/// </summary>
public static class CenterNetDecoder
{
    /// <param name="heatmap">Person scores, [rows, columns] row-major.</param>
    /// <param name="distances">Left, top, right, bottom distances in input pixels, [rows, columns, 4].</param>
    public static List<ScoredBox> Decode(ReadOnlySpan<float> heatmap, ReadOnlySpan<float> distances, int rows, int columns, int stride, float minScore)
    {
        if (heatmap.Length != rows * columns || distances.Length != rows * columns * 4)
            throw new ArgumentException($"CenterNet outputs have {heatmap.Length} scores and {distances.Length} distances; a {rows}x{columns} grid needs {rows * columns} and {rows * columns * 4}.");
        var found = new List<ScoredBox>();
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < columns; x++)
            {
                float score = heatmap[(y * columns) + x];
                if (!(score >= minScore) || !IsPeak(heatmap, rows, columns, x, y, score))
                    continue;
                int at = ((y * columns) + x) * 4;
                float cx = x * stride, cy = y * stride;
                var box = new BoundingBox(cx - distances[at], cy - distances[at + 1], cx + distances[at + 2], cy + distances[at + 3]);
                if (box.Width > 0 && box.Height > 0)
                    found.Add(new ScoredBox(box, score));
            }
        }
        found.Sort((a, b) => b.Score.CompareTo(a.Score));
        return found;
    }

    private static bool IsPeak(ReadOnlySpan<float> heatmap, int rows, int columns, int x, int y, float score)
    {
        for (int dy = -1; dy <= 1; dy++)
        {
            for (int dx = -1; dx <= 1; dx++)
            {
                int yy = y + dy, xx = x + dx;
                if ((dx | dy) != 0 && yy >= 0 && yy < rows && xx >= 0 && xx < columns && heatmap[(yy * columns) + xx] > score)
                    return false;
            }
        }
        return true;
    }
}

