namespace UniHCP.Pipeline.Training.Data;

/// <summary>A dataset file is malformed; the message names the file and, where it applies, the line.</summary>
public sealed class DatasetFormatException : Exception
{
    public DatasetFormatException(string file, int? line, string problem)
        : base(line is { } l ? $"{file}:{l}: {problem}" : $"{file}: {problem}")
    {
        File = file;
        Line = line;
    }

    public DatasetFormatException(string file, int? line, string problem, Exception inner)
        : base(line is { } l ? $"{file}:{l}: {problem}" : $"{file}: {problem}", inner)
    {
        File = file;
        Line = line;
    }

    public string File { get; }

    public int? Line { get; }
}
