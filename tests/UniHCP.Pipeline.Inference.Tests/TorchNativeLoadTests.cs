using TorchSharp;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>
/// Proves that the libtorch native libraries load from a plain build of a fresh clone (on Debian 12
/// this needs the symbol-version patch of Directory.Build.targets) and compute correctly.
/// </summary>
public sealed class TorchNativeLoadTests
{
    [Fact]
    public void Matmul_of_known_matrices_gives_the_known_product()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var b = tensor(new float[] { 7, 8, 9, 10, 11, 12 }, [3, 2]);

        var product = matmul(a, b);

        Assert.Equal(new long[] { 2, 2 }, product.shape);
        Assert.Equal(new float[] { 58, 64, 139, 154 }, product.data<float>().ToArray());
    }

    [Fact]
    public void Large_random_matmul_agrees_with_a_managed_reference()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(1234);
        var a = randn([64, 48], generator: generator);
        var b = randn([48, 32], generator: generator);

        float[] fast = matmul(a, b).data<float>().ToArray();

        float[] av = a.data<float>().ToArray(), bv = b.data<float>().ToArray();
        for (int i = 0; i < 64; i++)
        {
            for (int j = 0; j < 32; j++)
            {
                double sum = 0;
                for (int k = 0; k < 48; k++)
                    sum += (double)av[(i * 48) + k] * bv[(k * 32) + j];
                Assert.Equal(sum, fast[(i * 32) + j], 3);
            }
        }
    }

    [Fact]
    public void Loading_libtorch_on_glibc_keeps_large_freed_blocks_in_the_heap()
    {
        TorchRuntime.EnsureLoaded();
        Assert.NotNull(NativeHeap.State);
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(NativeHeap.Variable) is null
            && Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is null)
            Assert.Equal("large blocks reused (mmap off, trim above 1 GB)", NativeHeap.State); // mallopt accepted both settings

        // Blocks larger than a thread heap (64 MB) still work: glibc maps them itself.
        using var scope = NewDisposeScope();
        var big = ones([24L * 1024 * 1024], ScalarType.Int32); // 96 MB
        Assert.Equal(24L * 1024 * 1024, big.sum().item<long>());
    }

    [Fact]
    public void The_heap_switch_takes_yes_and_no_and_refuses_anything_else()
    {
        foreach (string? yes in new[] { null, "", "1", "true", "TRUE", " 1 " })
            Assert.True(NativeHeap.Wanted(yes), $"'{yes}'");
        foreach (string no in new[] { "0", "false", "False" })
            Assert.False(NativeHeap.Wanted(no), no);
        var error = Assert.Throws<ArgumentException>(() => NativeHeap.Wanted("off"));
        Assert.Contains(NativeHeap.Variable, error.Message, StringComparison.Ordinal);
        Assert.Contains("'off'", error.Message, StringComparison.Ordinal);
    }
}
