using System.Collections.Concurrent;

namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>How tall the people found on a camera were at the detector's input, and the tiles it ran with.</summary>
/// <param name="Persons">Persons counted.</param>
/// <param name="MedianHeight">Half of them were shorter than this, in pixels of the whole frame as the detector read it.</param>
/// <param name="Tiles">The camera's detection tiles (1: the whole frame only).</param>
public readonly record struct CameraPersonSize(long Persons, double MedianHeight, int Tiles);

/// <summary>
/// Per camera, the heights of the people found at the detector's input (a histogram of 4 px bins: a median to a few
/// pixels is all it is for). Tells an operator whether a camera's people are small for the detector, where tiled
/// detection finds more of them (docs/default-model.md, "Tiles"). Thread-safe.
/// </summary>
public sealed class PersonSizes
{
    private const int BinPixels = 4;
    private const int Bins = 256; // up to 1,024 px; taller ones count in the last bin
    private readonly ConcurrentDictionary<string, Camera> _cameras = new(StringComparer.Ordinal);

    /// <summary>Counts people of <paramref name="cameraId"/> by their height in frame pixels times <paramref name="scale"/>
    /// (the detector's input over the frame).</summary>
    public void Add(string cameraId, IEnumerable<float> frameHeights, double scale, int tiles)
    {
        ArgumentNullException.ThrowIfNull(frameHeights);
        var camera = _cameras.GetOrAdd(cameraId, _ => new Camera());
        lock (camera)
        {
            camera.Tiles = tiles;
            foreach (float height in frameHeights)
            {
                int bin = Math.Clamp((int)(height * scale / BinPixels), 0, Bins - 1);
                camera.Counts[bin]++;
                camera.Persons++;
            }
        }
    }

    /// <summary>Every camera with a person counted, by camera id.</summary>
    public IReadOnlyDictionary<string, CameraPersonSize> Snapshot()
    {
        var result = new SortedDictionary<string, CameraPersonSize>(StringComparer.Ordinal);
        foreach (var (id, camera) in _cameras)
        {
            lock (camera)
            {
                if (camera.Persons > 0)
                    result[id] = new CameraPersonSize(camera.Persons, Median(camera), camera.Tiles);
            }
        }
        return result;
    }

    // The middle of the bin holding the middle person.
    private static double Median(Camera camera)
    {
        long half = (camera.Persons + 1) / 2, seen = 0;
        for (int bin = 0; bin < Bins; bin++)
        {
            seen += camera.Counts[bin];
            if (seen >= half)
                return (bin + 0.5) * BinPixels;
        }
        return (Bins - 0.5) * BinPixels;
    }

    private sealed class Camera
    {
        public long[] Counts { get; } = new long[Bins];

        public long Persons { get; set; }

        public int Tiles { get; set; } = 1;
    }
}
