using System.Globalization;
using System.Text;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>Counts as CSV (RFC 4180, a header line, times in UTC): the same file from `unihcp query counts --csv` and
/// `GET /api/counts?format=csv`.</summary>
public static class CountCsv
{
    public const string Header = "bucket,camera,geometry,in,out,enter,exit,dwell,crowding,peak_occupancy";

    public static string Write(IReadOnlyList<CountRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder(Header).Append('\n');
        foreach (var r in rows)
            text.Append(CultureInfo.InvariantCulture, $"{r.Bucket:yyyy-MM-ddTHH:mm:ssZ},{Field(r.Camera)},{Field(r.Geometry)},{r.In},{r.Out},{r.Enter},{r.Exit},{r.Dwell},{r.Crowding},{r.PeakOccupancy}\n");
        return text.ToString();
    }

    /// <summary>A field quoted when it holds a comma, a quote or a line break (quotes doubled).</summary>
    public static string Field(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
