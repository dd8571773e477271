using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>
/// The pretrained teachers as a Node.js child process (Teachers/teacher.cjs), one request at a time over its standard
/// streams. A child process rather than a port: the teachers are TensorFlow.js graph models that run as published
/// under Node's WebAssembly backend, so no conversion can change what they answer, and the process is only needed
/// while labelling. Requests carry a JSON header and the frame's RGB bytes; replies a JSON header and float32 outputs.
/// </summary>
public sealed class TeacherProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly Process _process;
    private readonly Stream _input;
    private readonly BufferedStream _output;
    private readonly StringBuilder _errors = new();
    private readonly SemaphoreSlim _one = new(1, 1);

    private TeacherProcess(Process process)
    {
        _process = process;
        _input = process.StandardInput.BaseStream;
        _output = new BufferedStream(process.StandardOutput.BaseStream, 1 << 20);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_errors)
                    _errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
    }

    /// <summary>The models the server loaded, by role (centernet, movenet): package, version and file.</summary>
    public IReadOnlyDictionary<string, string> Models { get; private set; } = new Dictionary<string, string>();

    public string Runtime { get; private set; } = string.Empty;

    /// <summary>Starts the server and waits until it has loaded both models.</summary>
    public static async Task<TeacherProcess> StartAsync(TeacherInstallation installation, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("node", $"\"{installation.Script}\"")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["NODE_PATH"] = installation.NodeModules;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new Win32Exception("no process was started");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"Node.js could not be started ({ex.Message}); the teachers run under Node.js 20 (apt-get install nodejs).", ex);
        }
        var teacher = new TeacherProcess(process);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            string? line;
            try
            {
                line = await teacher.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"The teacher server did not start within {StartTimeout.TotalSeconds:0} s ({installation.Script}): {teacher.ErrorTail(null)}");
            }
            JsonObject? ready = null;
            try
            {
                ready = line is null ? null : JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException)
            {
            }
            if (ready?["ready"]?.GetValue<bool>() != true)
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
                throw new InvalidOperationException($"The teacher server did not start ({installation.Script}): {teacher.ErrorTail(line)}");
            }
            teacher.Models = ready["models"]?.AsObject().ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? string.Empty) ?? [];
            teacher.Runtime = $"tfjs {ready["tfjs"]} ({ready["backend"]} backend) under Node.js";
            return teacher;
        }
        catch
        {
            await teacher.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends one frame with its request header and returns the named outputs.</summary>
    public async Task<IReadOnlyDictionary<string, TeacherOutput>> RunAsync(JsonObject header, RgbImage frame, CancellationToken cancellationToken)
    {
        frame.Validate();
        header["width"] = frame.Width;
        header["height"] = frame.Height;
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] line = Encoding.UTF8.GetBytes(header.ToJsonString() + "\n");
            try
            {
                await _input.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                await _input.WriteAsync(frame.Pixels, cancellationToken).ConfigureAwait(false);
                await _input.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw Died(ex);
            }
            string reply = await ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw Died(null);
            var json = JsonNode.Parse(reply)?.AsObject() ?? throw new InvalidDataException($"The teacher server replied '{reply}'.");
            if (json["ok"]?.GetValue<bool>() != true)
                throw new InvalidOperationException($"The teacher refused a {header["op"]} request on a {frame.Width}x{frame.Height} frame: {json["error"]}");
            var outputs = new Dictionary<string, TeacherOutput>(StringComparer.Ordinal);
            foreach (var output in json["outputs"]!.AsArray())
            {
                int[] shape = output!["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
                var values = new float[shape.Aggregate(1, (a, b) => a * b)];
                var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
                await _output.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
                Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
                outputs[output["name"]!.GetValue<string>()] = new TeacherOutput(shape, values);
            }
            return outputs;
        }
        finally
        {
            _one.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _input.Close();
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException)
        {
            Kill(_process);
        }
        _process.Dispose();
        _one.Dispose();
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var bytes = new List<byte>(256);
        var one = new byte[1];
        while (true)
        {
            if (await _output.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
                return null;
            if (one[0] == (byte)'\n')
                return Encoding.UTF8.GetString(bytes.ToArray());
            bytes.Add(one[0]);
        }
    }

    private InvalidOperationException Died(Exception? inner) => new($"The teacher server stopped: {ErrorTail(null)}", inner);

    /// <summary>The last lines the server wrote to its error stream (else what it wrote instead of a reply).</summary>
    private string ErrorTail(string? stdout)
    {
        string errors;
        lock (_errors)
            errors = _errors.ToString();
        string text = string.Join(" | ", errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(8));
        return text.Length > 0 ? text : stdout ?? "it wrote nothing";
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}

/// <summary>One output of a teacher model: its shape and its values, row-major.</summary>
public sealed record TeacherOutput(int[] Shape, float[] Values);
