using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw little-endian data), with the
/// format's string-to-string "__metadata__" record. Written here rather than taken from a package
/// because we need the metadata and errors that name the tensor and file at fault; the format is
/// the Hugging Face one, so Python's safetensors reads our files and we read its files.
/// </summary>
public static class SafeTensorsFile
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private static readonly Dictionary<ScalarType, string> s_dtypeNames = new()
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float16] = "F16", [ScalarType.BFloat16] = "BF16", [ScalarType.Float64] = "F64",
        [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32", [ScalarType.Int16] = "I16", [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8", [ScalarType.Bool] = "BOOL",
    };

    private static readonly Dictionary<string, ScalarType> s_dtypes = s_dtypeNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>Writes tensors (any device; copied to CPU) and metadata; replaces the file atomically.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata)
                meta[key] = value;
            header[MetadataKey] = meta;
        }
        var ordered = tensors.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            if (!s_dtypeNames.TryGetValue(tensor.dtype, out string? dtype))
                throw new ArgumentException($"Tensor '{name}' has dtype {tensor.dtype}, which safetensors files here do not store.");
            long bytes = tensor.numel() * tensor.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padding = (8 - (headerBytes.Length % 8)) % 8; // keeps the data 8-byte aligned
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(headerBytes.Length + padding));
            stream.Write(length);
            stream.Write(headerBytes);
            for (int i = 0; i < padding; i++)
                stream.WriteByte((byte)' ');
            foreach (var (_, tensor) in ordered)
            {
                using var cpu = tensor.detach().cpu().contiguous();
                stream.Write(cpu.bytes);
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads only the header: tensor names, dtypes, shapes, and the metadata.</summary>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Reads every tensor (on the CPU, in its stored dtype) and the metadata.</summary>
    public static (Dictionary<string, Tensor> Tensors, SafeTensorsHeader Header) Read(string path)
    {
        using var stream = OpenRead(path);
        var header = ReadHeader(stream, path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in header.Entries.OrderBy(e => e.Begin))
            {
                stream.Position = header.DataStart + entry.Begin;
                var tensor = empty(entry.Shape, entry.DType);
                var target = tensor.bytes;
                var buffer = new byte[target.Length];
                stream.ReadExactly(buffer);
                tensor.bytes = buffer;
                tensors[entry.Name] = tensor;
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
        return (tensors, header);
    }

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Weights file '{path}' does not exist.", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
    }

    private static SafeTensorsHeader ReadHeader(FileStream stream, string path)
    {
        Span<byte> length = stackalloc byte[8];
        if (stream.Read(length) != 8)
            throw Bad(path, "it is shorter than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(length);
        if (headerLength == 0 || headerLength > (ulong)Math.Min(MaxHeaderBytes, stream.Length - 8))
            throw Bad(path, $"its header length {headerLength} does not fit the file ({stream.Length} bytes); it is not a safetensors file");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes) as JsonObject ?? throw Bad(path, "its header is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw Bad(path, $"its header is not valid JSON ({ex.Message})");
        }
        long dataStart = 8 + (long)headerLength;
        long dataLength = stream.Length - dataStart;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<SafeTensorsEntry>();
        foreach (var (name, node) in header)
        {
            if (name == MetadataKey)
            {
                if (node is not JsonObject meta)
                    throw Bad(path, "its __metadata__ is not an object");
                foreach (var (key, value) in meta)
                    metadata[key] = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : throw Bad(path, $"metadata '{key}' is not a string");
                continue;
            }
            entries.Add(ParseEntry(path, name, node, dataLength));
        }
        CheckNoOverlap(path, entries);
        return new SafeTensorsHeader(entries, metadata, dataStart);
    }

    private static SafeTensorsEntry ParseEntry(string path, string name, JsonNode? node, long dataLength)
    {
        try
        {
            string dtypeName = node!["dtype"]!.GetValue<string>();
            if (!s_dtypes.TryGetValue(dtypeName, out var dtype))
                throw Bad(path, $"tensor '{name}' has unsupported dtype '{dtypeName}'");
            long[] shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            var offsets = node["data_offsets"]!.AsArray();
            long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
            if (shape.Any(d => d < 0))
                throw Bad(path, $"tensor '{name}' has a negative dimension");
            long expected = shape.Aggregate(1L, (a, d) => checked(a * d)) * ElementSize(dtype);
            if (begin < 0 || end < begin || end > dataLength || end - begin != expected)
                throw Bad(path, $"tensor '{name}' ([{string.Join(", ", shape)}] {dtypeName}) has byte range [{begin}, {end}), which does not match its size {expected} or the data ({dataLength} bytes)");
            return new SafeTensorsEntry(name, dtype, shape, begin, end);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NullReferenceException or FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            throw Bad(path, $"the header entry of tensor '{name}' is malformed ({ex.Message})");
        }
    }

    private static void CheckNoOverlap(string path, List<SafeTensorsEntry> entries)
    {
        var sorted = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Begin < sorted[i - 1].End)
                throw Bad(path, $"tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap");
        }
    }

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    private static InvalidDataException Bad(string path, string what) => new($"Weights file '{path}' is not usable: {what}.");
}

/// <summary>One tensor's header entry.</summary>
public sealed record SafeTensorsEntry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

/// <summary>A safetensors file's header.</summary>
public sealed record SafeTensorsHeader(IReadOnlyList<SafeTensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart);
