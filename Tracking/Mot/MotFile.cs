using System.Globalization;
using System.Text;

namespace UniHCP.Pipeline.Tracking.Mot;

/// <summary>Reads and writes MOTChallenge text files (gt.txt, det.txt, results), validating every line.</summary>
public static class MotFile
{
    /// <summary>Reads rows; errors name the file and line. Rows come back sorted by frame (det.txt files are not always sorted).</summary>
    public static List<MotRow> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"MOT file '{path}' does not exist.", path);
        var rows = new List<MotRow>();
        int number = 0;
        foreach (string raw in File.ReadLines(path))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0)
                continue;
            var cells = line.Split(line.Contains(',', StringComparison.Ordinal) ? ',' : ' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (cells.Length < 6)
                throw new FormatException($"{path}:{number}: expected at least 6 comma-separated values (frame, id, x, y, w, h), got {cells.Length}.");
            var values = new double[cells.Length];
            for (int i = 0; i < cells.Length; i++)
            {
                if (!double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                    throw new FormatException($"{path}:{number}: value {i + 1} '{cells[i]}' is not a number.");
            }
            int frame = (int)values[0];
            if (frame < 1 || frame != values[0])
                throw new FormatException($"{path}:{number}: frame '{cells[0]}' must be a whole number from 1.");
            if (values[4] < 0 || values[5] < 0)
                throw new FormatException($"{path}:{number}: box width and height must not be negative.");
            // MOT16/17 ground truth has 9 columns (class, visibility); MOT15 files have 10, the last three
            // world coordinates (or -1), which are not classes.
            bool classes = cells.Length == 9;
            rows.Add(new MotRow(
                frame, (int)values[1], (float)values[2], (float)values[3], (float)values[4], (float)values[5],
                cells.Length > 6 ? (float)values[6] : 1f,
                classes ? (int)values[7] : -1,
                classes ? (float)values[8] : -1f));
        }
        rows.Sort((a, b) => a.Frame != b.Frame ? a.Frame.CompareTo(b.Frame) : a.Id.CompareTo(b.Id));
        return rows;
    }

    /// <summary>Writes tracker results: frame, id, x, y, w, h, 1, -1, -1, -1.</summary>
    public static void WriteResults(string path, IEnumerable<MotRow> rows)
    {
        var text = new StringBuilder();
        foreach (var r in rows.OrderBy(r => r.Frame).ThenBy(r => r.Id))
            text.Append(CultureInfo.InvariantCulture, $"{r.Frame},{r.Id},{r.X:0.##},{r.Y:0.##},{r.Width:0.##},{r.Height:0.##},1,-1,-1,-1\n");
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        File.WriteAllText(path, text.ToString());
    }
}
