using System.Text.Json;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Reference tensors from Golden/make_golden.py (standard PyTorch ops), committed as golden.json.</summary>
internal static class GoldenValues
{
    private static readonly Lazy<Dictionary<string, (long[] Shape, float[] Data)>> s_values = new(Load);

    public static Tensor Get(string name)
    {
        if (!s_values.Value.TryGetValue(name, out var value))
            throw new KeyNotFoundException($"golden.json has no '{name}'; regenerate it with Golden/make_golden.py.");
        return tensor(value.Data, value.Shape);
    }

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var difference = (expected - actual.to(ScalarType.Float32)).abs().max();
        double max = difference.item<float>();
        Assert.True(max <= tolerance, $"max difference {max:g3} exceeds {tolerance:g3}");
    }

    private static Dictionary<string, (long[], float[])> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "golden.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var values = new Dictionary<string, (long[], float[])>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.GetProperty("values").EnumerateObject())
        {
            long[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            float[] data = entry.Value.GetProperty("data").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
            values[entry.Name] = (shape, data);
        }
        return values;
    }
}
