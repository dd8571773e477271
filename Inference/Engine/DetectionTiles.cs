using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>One tile of a frame, in frame pixels.</summary>
public readonly record struct DetectionTile(int X, int Y, int Width, int Height);

/// <summary>
/// Tiled detection (SAHI's idea) for small, far people: besides the whole frame, a grid of overlapping tiles is read at
/// the detection input size, so that a 1280x720 camera read at 768x432 is also seen at about its own resolution. The
/// detector keeps the input size it was trained at (a larger whole input enlarges its token grid past what it learned,
/// docs/default-model.md, "Small people and the input size"); the people grow instead. Costs one model pass per tile
/// more. A tile's boxes that touch an edge it shares with another tile are dropped (people cut by it; the overlapping
/// neighbour or the whole frame sees them whole), and so are its tall ones (<see cref="MaxTileHeightFraction"/>: the
/// whole frame's job); the rest join the whole frame's: one person found by two passes is
/// kept once, with the better score.
/// </summary>
public static class DetectionTiles
{
    /// <summary>Tiles overlap by this fraction of a tile.</summary>
    public const double Overlap = 0.25;

    /// <summary>A tile keeps only people shorter than this fraction of its height: taller ones are big enough for the
    /// whole frame, and a tile sees them at a scale it reads badly (parts of a near person taken for people: on a
    /// one-person office camera every tile box kept scored AP50 0.46 against 1.00).</summary>
    public const double MaxTileHeightFraction = 0.4;

    /// <summary>Boxes of different passes overlapping at least this much may be one person (the better scored is kept).</summary>
    public const float MergeIoU = 0.5f;

    /// <summary>The <paramref name="grid"/> x <paramref name="grid"/> tiles of a frame (none for a grid of 1).</summary>
    public static IReadOnlyList<DetectionTile> Layout(int width, int height, int grid)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(grid, 1);
        if (grid == 1)
            return [];
        // grid tiles of size t overlapping by Overlap * t cover the side: t * (grid - (grid - 1) * Overlap) = side.
        int tileWidth = (int)Math.Ceiling(width / (grid - ((grid - 1) * Overlap)));
        int tileHeight = (int)Math.Ceiling(height / (grid - ((grid - 1) * Overlap)));
        var tiles = new List<DetectionTile>(grid * grid);
        for (int row = 0; row < grid; row++)
        {
            for (int column = 0; column < grid; column++)
            {
                int x = column == grid - 1 ? width - tileWidth : (int)Math.Round(column * tileWidth * (1 - Overlap));
                int y = row == grid - 1 ? height - tileHeight : (int)Math.Round(row * tileHeight * (1 - Overlap));
                tiles.Add(new DetectionTile(Math.Max(0, x), Math.Max(0, y), Math.Min(tileWidth, width), Math.Min(tileHeight, height)));
            }
        }
        return tiles;
    }

    /// <summary>The whole frame's detections joined by its tiles' (each in its tile's pixels), best score first, at most
    /// <paramref name="maxDetections"/>.</summary>
    public static List<Detection> Merge(IReadOnlyList<Detection> whole, IReadOnlyList<(DetectionTile Tile, IReadOnlyList<Detection> Found)> tiles,
        int frameWidth, int frameHeight, int maxDetections)
    {
        ArgumentNullException.ThrowIfNull(whole);
        ArgumentNullException.ThrowIfNull(tiles);
        // (detection, pass): 0 the whole frame, t + 1 tile t. Only boxes of different passes suppress each other: within a
        // pass the decoder's own duplicate rule has spoken.
        var candidates = new List<(Detection Detection, int Pass)>(whole.Select(d => (d, 0)));
        for (int t = 0; t < tiles.Count; t++)
        {
            var (tile, found) = tiles[t];
            // An edge of the tile inside the frame is shared with a neighbour; within a pixel counts as touching it.
            bool left = tile.X > 0, top = tile.Y > 0, right = tile.X + tile.Width < frameWidth, bottom = tile.Y + tile.Height < frameHeight;
            foreach (var d in found)
            {
                var b = d.Box;
                if ((left && b.X1 <= 1) || (top && b.Y1 <= 1) || (right && b.X2 >= tile.Width - 1) || (bottom && b.Y2 >= tile.Height - 1)
                    || b.Height > MaxTileHeightFraction * tile.Height)
                    continue;
                candidates.Add((d with { Box = new BoundingBox(b.X1 + tile.X, b.Y1 + tile.Y, b.X2 + tile.X, b.Y2 + tile.Y) }, t + 1));
            }
        }
        // Greedy by score, one to one: a kept box stands for at most one box of each other pass, so that two people the
        // whole frame told apart are not both taken for the one a tile found (a crowd keeps its people).
        var kept = new List<(Detection Detection, int Pass, HashSet<int> Absorbed)>();
        foreach (var c in candidates.OrderByDescending(c => c.Detection.Score))
        {
            if (kept.Count == maxDetections)
                break;
            int same = kept.FindIndex(k => k.Pass != c.Pass && !k.Absorbed.Contains(c.Pass) && k.Detection.Box.IoU(c.Detection.Box) >= MergeIoU);
            if (same >= 0)
                kept[same].Absorbed.Add(c.Pass);
            else
                kept.Add((c.Detection, c.Pass, []));
        }
        return [.. kept.Select(k => k.Detection)];
    }
}
