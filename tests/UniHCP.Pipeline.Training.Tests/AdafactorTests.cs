using System.Text.Json;
using TorchSharp.Modules;
using UniHCP.Pipeline.Training.Optimization;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>Adafactor against three steps computed independently with PyTorch (Golden/make_adafactor_golden.py): a
/// factored matrix and a vector, weight decay on; and its state surviving a save and load.</summary>
public sealed class AdafactorTests : IDisposable
{
    private static readonly JsonElement s_golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "adafactor_golden.json"))).RootElement;
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-adafactor-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Three_steps_equal_the_reference()
    {
        var (matrix, vector) = Start();
        using var optimizer = new Adafactor([(matrix, 1.0), (vector, 1.0)], weightDecay: s_golden.GetProperty("weight_decay").GetDouble());

        RunSteps(optimizer, matrix, vector, 0, 3);

        AssertClose(Floats(s_golden.GetProperty("after"), "matrix"), matrix);
        AssertClose(Floats(s_golden.GetProperty("after"), "vector"), vector);
    }

    [Fact]
    public void A_saved_and_loaded_state_continues_as_if_uninterrupted()
    {
        var (matrix, vector) = Start();
        string path = Path.Combine(_dir, "optimizer.safetensors");
        using (var first = new Adafactor([(matrix, 1.0), (vector, 1.0)], weightDecay: s_golden.GetProperty("weight_decay").GetDouble()))
        {
            RunSteps(first, matrix, vector, 0, 1);
            first.Save(path);
        }
        using var resumed = new Adafactor([(matrix, 1.0), (vector, 1.0)], weightDecay: s_golden.GetProperty("weight_decay").GetDouble());
        resumed.Load(path);

        RunSteps(resumed, matrix, vector, 1, 3);

        Assert.Equal(3, resumed.StepCount);
        AssertClose(Floats(s_golden.GetProperty("after"), "matrix"), matrix);
        using var other = new Adafactor([(matrix, 1.0)]);
        Assert.Throws<InvalidDataException>(() => other.Load(path));
    }

    private static (Parameter Matrix, Parameter Vector) Start()
    {
        var start = s_golden.GetProperty("start");
        return (new Parameter(tensor(Floats(start, "matrix")).reshape(3, 4)), new Parameter(tensor(Floats(start, "vector"))));
    }

    private static void RunSteps(Adafactor optimizer, Parameter matrix, Parameter vector, int from, int to)
    {
        var grads = s_golden.GetProperty("grads").EnumerateArray().ToList();
        double lr = s_golden.GetProperty("lr").GetDouble();
        for (int step = from; step < to; step++)
        {
            matrix.grad = tensor(Floats(grads[step], "matrix")).reshape(3, 4);
            vector.grad = tensor(Floats(grads[step], "vector"));
            optimizer.Step(lr);
        }
    }

    private static float[] Floats(JsonElement parent, string name) => [.. parent.GetProperty(name).EnumerateArray().Select(e => (float)e.GetDouble())];

    private static void AssertClose(float[] expected, Tensor actual)
    {
        float[] values = actual.detach().contiguous().data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - values[i]) <= 1e-5, $"element {i}: expected {expected[i]}, got {values[i]}");
    }
}
