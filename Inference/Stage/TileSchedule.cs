using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>
/// Which tiles each frame of a camera read as tiles is read with (<see cref="InferenceStageOptions.DetectionTilesEvery"/>):
/// the camera's first analysed frame and every Nth after it get tiles, the frames between are read whole. Of those tiled
/// frames, a tile is skipped while the people it is there for - persons under <see cref="DetectionTiles.MaxTileHeightFraction"/>
/// of its height inside it - have been absent lately (a running mean under <see cref="MinSmallPeople"/>), and read again
/// at least every <see cref="ProbeEvery"/> tiled frames, so a region that fills is noticed. Measured through the tracker
/// over four 720p-1080p scenes (docs/default-model.md, "Tiles on every third frame"): the same AP50 as reading every
/// tile (0.484) at 1.9 instead of 2.3 passes a frame; a one-walker office camera 1.2.
/// Frames are chosen for in the order the stage reads them; what was found is <see cref="Observe"/>d as batches are
/// published and counts from two batches later (<see cref="ApplyUpTo"/>), so one model lane or two choose alike.
/// </summary>
public sealed class TileSchedule
{
    /// <summary>A tile whose running mean of small people inside it is under this is skipped (until its next probe).</summary>
    public const double MinSmallPeople = 0.5;

    /// <summary>A skipped tile is read again after this many of its camera's tiled frames.</summary>
    public const int ProbeEvery = 6;

    // Weight of the past in the running mean of each tile's small people, per tiled frame it was read on.
    private const double Momentum = 0.7;

    private readonly int _every;
    private readonly Dictionary<string, CameraTiles> _cameras = new(StringComparer.Ordinal);
    private readonly List<(long Batch, string Camera, long Generation, double[] SmallPeople)> _pending = [];

    public TileSchedule(int every)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        _every = every;
    }

    /// <summary>The tiles <paramref name="frame"/> is read with, one flag per tile of a <paramref name="grid"/> x
    /// <paramref name="grid"/> layout (all false: the whole frame only); null for a camera read whole anyway.</summary>
    public bool[]? Choose(VideoFrame frame, int grid)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var camera = Camera(frame.CameraId, grid);
        long analysed = camera.Analysed++;
        if (grid <= 1)
            return null;
        var read = new bool[grid * grid];
        if (analysed % _every != 0)
            return read;
        long tiled = camera.Tiled++;
        for (int t = 0; t < read.Length; t++)
        {
            read[t] = camera.SmallPeople[t] >= MinSmallPeople || tiled - camera.LastRead[t] >= ProbeEvery;
            if (read[t])
                camera.LastRead[t] = tiled;
        }
        return read;
    }

    /// <summary>Notes who a frame read with tiles found (published from batch <paramref name="batch"/>): per tile read,
    /// the persons inside it short enough for a tile to keep.</summary>
    public void Observe(long batch, PersonObservations result, bool[]? read)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (read is null || !read.Any(r => r) || !_cameras.TryGetValue(result.CameraId, out var camera))
            return;
        int grid = (int)Math.Round(Math.Sqrt(read.Length));
        var tiles = DetectionTiles.Layout(result.FrameWidth, result.FrameHeight, grid);
        var small = new double[read.Length];
        for (int t = 0; t < read.Length; t++)
        {
            var tile = tiles[t];
            small[t] = !read[t] ? double.NaN : result.Persons.Count(p => p.Box.Height <= DetectionTiles.MaxTileHeightFraction * tile.Height
                && p.Box.X1 >= tile.X && p.Box.Y1 >= tile.Y && p.Box.X2 <= tile.X + tile.Width && p.Box.Y2 <= tile.Y + tile.Height);
        }
        _pending.Add((batch, result.CameraId, camera.Generation, small));
    }

    /// <summary>Lets what batches up to <paramref name="batch"/> found count in the choices from now on.</summary>
    public void ApplyUpTo(long batch)
    {
        int applied = 0;
        foreach (var (from, cameraId, generation, small) in _pending.TakeWhile(p => p.Batch <= batch))
        {
            applied++;
            if (!_cameras.TryGetValue(cameraId, out var camera) || camera.Generation != generation)
                continue; // the camera ended (or changed size) since
            for (int t = 0; t < small.Length; t++)
            {
                if (!double.IsNaN(small[t]))
                    camera.SmallPeople[t] = double.IsPositiveInfinity(camera.SmallPeople[t]) ? small[t] : (Momentum * camera.SmallPeople[t]) + ((1 - Momentum) * small[t]);
            }
        }
        _pending.RemoveRange(0, applied);
    }

    /// <summary>Drops a camera (its stream ended): one that comes back starts with every tile.</summary>
    public void Forget(string cameraId) => _cameras.Remove(cameraId);

    private long _generations;

    private CameraTiles Camera(string cameraId, int grid)
    {
        int tiles = Math.Max(1, grid * grid);
        if (!_cameras.TryGetValue(cameraId, out var camera) || camera.SmallPeople.Length != tiles)
            _cameras[cameraId] = camera = new CameraTiles(tiles, ++_generations, camera?.Analysed ?? 0);
        return camera;
    }

    private sealed class CameraTiles(int tiles, long generation, long analysed)
    {
        public long Generation { get; } = generation;

        public long Analysed { get; set; } = analysed;

        public long Tiled { get; set; }

        // Unknown (read) until a first reading of the tile counts.
        public double[] SmallPeople { get; } = Enumerable.Repeat(double.PositiveInfinity, tiles).ToArray();

        public long[] LastRead { get; } = new long[tiles];
    }
}
