using System.Text.Json.Serialization;

namespace UniHCP.Pipeline.Core.Geometry;

/// <summary>A polygon zone of one camera.</summary>
public sealed class ZoneGeometry
{
    /// <summary>Unique among the camera's zones and lines.</summary>
    public string Name { get; set; } = "";

    /// <summary>The outline, in pixels, at least three corners in order (either orientation), not crossing itself.</summary>
    public List<PixelPoint> Points { get; set; } = [];

    /// <summary>A visit this long gives one dwell (loitering) event; null: none.</summary>
    public TimeSpan? DwellThreshold { get; set; }

    /// <summary>More tracks inside than this gives a crowding event; null: none.</summary>
    public int? OccupancyLimit { get; set; }
}

/// <summary>A directed counting line of one camera: crossing it towards <see cref="InSide"/> counts in, the other way out.</summary>
public sealed class LineGeometry
{
    /// <summary>Unique among the camera's zones and lines.</summary>
    public string Name { get; set; } = "";

    public PixelPoint From { get; set; }

    public PixelPoint To { get; set; }

    /// <summary>Which side of the line, looking from <see cref="From"/> to <see cref="To"/> on the image, is "in".</summary>
    public LineSide InSide { get; set; } = LineSide.Left;
}

/// <summary>A side of a directed line as seen on the image, looking from its first point to its second (JSON: its name).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LineSide>))]
public enum LineSide
{
    Left = 0,
    Right = 1,
}
