namespace UniHCP.Pipeline.Inference.Checkpoints.Onnx;

/// <summary>A float32 initializer (weight) of an ONNX graph.</summary>
internal sealed record OnnxTensor(string Name, long[] Dims, float[] Values);

/// <summary>A node of an ONNX graph with its integer-list and float attributes.</summary>
internal sealed record OnnxNode(string OpType, string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, long[]> Ints, IReadOnlyDictionary<string, float> Floats);

/// <summary>
/// The parts of an ONNX model file (ModelProto) that weight import needs: the graph's nodes in
/// order and its float initializers. Fields of onnx.proto read here: ModelProto.graph (7);
/// GraphProto.node (1), initializer (5); NodeProto.input (1), output (2), name (3), op_type (4),
/// attribute (5); AttributeProto.name (1), f (2), i (3), floats (7), ints (8); TensorProto.dims (1),
/// data_type (2), float_data (4), name (8), raw_data (9).
/// </summary>
internal sealed class OnnxGraph
{
    private const int FloatType = 1;

    private OnnxGraph(List<OnnxNode> nodes, Dictionary<string, OnnxTensor> initializers)
    {
        Nodes = nodes;
        Initializers = initializers;
    }

    public IReadOnlyList<OnnxNode> Nodes { get; }

    public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }

    public static OnnxGraph Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"ONNX file '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            var model = new ProtoReader(bytes);
            while (!model.AtEnd)
            {
                var (field, wire) = model.ReadTag();
                if (field == 7 && wire == 2)
                    return ReadGraph(model.ReadBytes());
                model.Skip(wire);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"ONNX file '{path}' is malformed: {ex.Message}.", ex);
        }
        throw new InvalidDataException($"ONNX file '{path}' has no graph: it is not an ONNX model.");
    }

    private static OnnxGraph ReadGraph(ReadOnlySpan<byte> data)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var graph = new ProtoReader(data);
        while (!graph.AtEnd)
        {
            var (field, wire) = graph.ReadTag();
            if (field == 1 && wire == 2)
                nodes.Add(ReadNode(graph.ReadBytes()));
            else if (field == 5 && wire == 2 && ReadTensor(graph.ReadBytes()) is { } tensor)
                initializers[tensor.Name] = tensor;
            else
                graph.Skip(wire);
        }
        return new OnnxGraph(nodes, initializers);
    }

    private static OnnxNode ReadNode(ReadOnlySpan<byte> data)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        string name = string.Empty, op = string.Empty;
        var ints = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var floats = new Dictionary<string, float>(StringComparer.Ordinal);
        var node = new ProtoReader(data);
        while (!node.AtEnd)
        {
            var (field, wire) = node.ReadTag();
            switch (field)
            {
                case 1 when wire == 2: inputs.Add(node.ReadString()); break;
                case 2 when wire == 2: outputs.Add(node.ReadString()); break;
                case 3 when wire == 2: name = node.ReadString(); break;
                case 4 when wire == 2: op = node.ReadString(); break;
                case 5 when wire == 2: ReadAttribute(node.ReadBytes(), ints, floats); break;
                default: node.Skip(wire); break;
            }
        }
        return new OnnxNode(op, name, inputs, outputs, ints, floats);
    }

    private static void ReadAttribute(ReadOnlySpan<byte> data, Dictionary<string, long[]> ints, Dictionary<string, float> floats)
    {
        string name = string.Empty;
        var values = new List<long>();
        float? f = null;
        var attribute = new ProtoReader(data);
        while (!attribute.AtEnd)
        {
            var (field, wire) = attribute.ReadTag();
            switch (field)
            {
                case 1 when wire == 2: name = attribute.ReadString(); break;
                case 2 when wire == 5: f = attribute.ReadFixed32Float(); break;
                case 3 when wire == 0: values.Add((long)attribute.ReadVarint()); break;
                case 8: attribute.ReadInt64s(wire, values); break;
                default: attribute.Skip(wire); break;
            }
        }
        if (f is { } value)
            floats[name] = value;
        if (values.Count > 0)
            ints[name] = values.ToArray();
    }

    private static OnnxTensor? ReadTensor(ReadOnlySpan<byte> data)
    {
        var dims = new List<long>();
        var floatData = new List<float>();
        string name = string.Empty;
        int type = 0;
        byte[]? raw = null;
        var tensor = new ProtoReader(data);
        while (!tensor.AtEnd)
        {
            var (field, wire) = tensor.ReadTag();
            switch (field)
            {
                case 1: tensor.ReadInt64s(wire, dims); break;
                case 2 when wire == 0: type = (int)tensor.ReadVarint(); break;
                case 4: tensor.ReadFloats(wire, floatData); break;
                case 8 when wire == 2: name = tensor.ReadString(); break;
                case 9 when wire == 2: raw = tensor.ReadBytes().ToArray(); break;
                default: tensor.Skip(wire); break;
            }
        }
        if (type != FloatType)
            return null; // weights are float32; other initializers (shapes) are not needed
        float[] values = raw is not null
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray()
            : floatData.ToArray();
        long expected = dims.Aggregate(1L, (a, d) => a * d);
        if (values.Length != expected)
            throw new InvalidDataException($"initializer '{name}' has {values.Length} values for dims [{string.Join(", ", dims)}]");
        return new OnnxTensor(name, dims.ToArray(), values);
    }
}
