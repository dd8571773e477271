using System.Globalization;

namespace UniHCP.Pipeline.Training;

/// <summary>An append-only CSV of step-indexed values; the header is written once and extended columns keep their order.</summary>
internal sealed class CsvLog(string path)
{
    private List<string>? _columns;

    public void Write(int step, IReadOnlyDictionary<string, double> values)
    {
        if (_columns is null)
        {
            if (File.Exists(path) && File.ReadLines(path).FirstOrDefault() is { } header)
                _columns = header.Split(',').Skip(1).ToList();
            else
            {
                _columns = values.Keys.Order(StringComparer.Ordinal).ToList();
                File.WriteAllText(path, "step," + string.Join(',', _columns) + Environment.NewLine);
            }
        }
        var cells = _columns.Select(c => values.TryGetValue(c, out double v) ? v.ToString("G6", CultureInfo.InvariantCulture) : string.Empty);
        File.AppendAllText(path, step.ToString(CultureInfo.InvariantCulture) + "," + string.Join(',', cells) + Environment.NewLine);
    }
}
