using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>
/// The labeller's resumable record: "OUTPUT.partial.jsonl" beside the output, a header line (what is labelled, by
/// which teacher, how) and then one line per labelled image, appended and flushed as each is done. An interrupted run
/// loses at most the line it was writing; the same command resumes after the last whole line, and refuses a journal
/// written with other settings. <see cref="FinishAsync"/> turns it into the COCO file.
/// </summary>
public sealed class LabelJournal : IAsyncDisposable
{
    private readonly FileStream _stream;
    private readonly HashSet<string> _done;

    private LabelJournal(string output, FileStream stream, HashSet<string> done, int resumed)
    {
        Output = output;
        _stream = stream;
        _done = done;
        Resumed = resumed;
    }

    public string Output { get; }

    public static string PathFor(string output) => output + ".partial.jsonl";

    /// <summary>Images labelled by an earlier, interrupted run.</summary>
    public int Resumed { get; }

    public int Count => _done.Count;

    public bool Contains(string fileName) => _done.Contains(fileName);

    /// <summary>Opens the journal of <paramref name="output"/>, resuming one written with the same header.</summary>
    public static async Task<LabelJournal> OpenAsync(string output, JsonObject header, CancellationToken cancellationToken)
    {
        string path = PathFor(output);
        if (File.Exists(output) && !File.Exists(path))
            throw new IOException($"'{output}' already exists (a finished labelling run); delete it or choose another --output.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        var done = new HashSet<string>(StringComparer.Ordinal);
        string headerLine = header.ToJsonString();
        if (!File.Exists(path))
        {
            var created = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            await created.WriteAsync(Encoding.UTF8.GetBytes(headerLine + "\n"), cancellationToken).ConfigureAwait(false);
            await created.FlushAsync(cancellationToken).ConfigureAwait(false);
            return new LabelJournal(output, created, done, 0);
        }
        long goodLength = 0;
        using (var reader = new StreamReader(path, Encoding.UTF8))
        {
            string? first = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (first != headerLine)
                throw new IOException($"'{path}' holds an interrupted run with other settings or another source ({Summarise(first)}); run that command again to finish it, or delete the file to start over.");
            goodLength = Encoding.UTF8.GetByteCount(first) + 1;
            int lineNumber = 1;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lineNumber++;
                string? name = ImageName(line);
                if (name is null)
                    break; // the line an interruption cut short: it is written again
                done.Add(name);
                goodLength += Encoding.UTF8.GetByteCount(line) + 1;
            }
        }
        var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
        stream.SetLength(goodLength);
        stream.Seek(0, SeekOrigin.End);
        return new LabelJournal(output, stream, done, done.Count);
    }

    /// <summary>Records one labelled image (COCO image fields) and its persons.</summary>
    public async Task AppendAsync(JsonObject image, IReadOnlyList<PersonLabel> persons, CancellationToken cancellationToken)
    {
        string name = image["file_name"]!.GetValue<string>();
        if (!_done.Add(name))
            throw new InvalidOperationException($"Image '{name}' is labelled twice.");
        var line = new JsonObject { ["image"] = image, ["persons"] = new JsonArray(persons.Select(CocoLabels.Person).ToArray()) };
        // Not cancellable mid-write: a line is written whole or the run is killed.
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(line.ToJsonString() + "\n"), CancellationToken.None).ConfigureAwait(false);
        await _stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Writes the COCO file (atomically) from the journal, then deletes the journal. Returns the counts.</summary>
    public async Task<(int Images, int Persons)> FinishAsync(JsonObject info, CancellationToken cancellationToken)
    {
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        string path = PathFor(Output);
        var lines = (await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false)).Skip(1).Select(l => JsonNode.Parse(l)!.AsObject());
        string temporary = Output + ".tmp";
        var counts = await CocoLabels.WriteAsync(temporary, info, lines, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, Output, overwrite: true);
        File.Delete(path);
        return counts;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream.CanWrite)
            await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private static string? ImageName(string line)
    {
        try
        {
            return JsonNode.Parse(line)?["image"]?["file_name"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Summarise(string? header) => header is null ? "empty" : header.Length > 200 ? header[..200] + "..." : header;
}
