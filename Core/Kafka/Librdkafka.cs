using System.Runtime.InteropServices;

namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>
/// Loads the librdkafka that Confluent.Kafka bundles, deterministically. Without this, a Debian machine with the
/// system package librdkafka1 silently gets the old system library, and the bundled generic build needs
/// libsasl2.so.3, which Debian 12 lacks; the bundled CentOS 8 build loads (PLATFORM-NOTES).
/// </summary>
public static class Librdkafka
{
    private static readonly Lock s_sync = new();
    private static string? s_path;
    private static IntPtr s_handle;

    /// <summary>The loaded library's path; loads it on first use.</summary>
    public static string EnsureLoaded()
    {
        lock (s_sync)
        {
            if (s_path is not null)
                return s_path;
            string native = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64", StringComparison.Ordinal) ? "linux-arm64" : "linux-x64", "native");
            string[] candidates = [Path.Combine(native, "centos8-librdkafka.so"), Path.Combine(native, "librdkafka.so")];
            var errors = new List<string>();
            foreach (string candidate in candidates.Where(File.Exists))
            {
                try
                {
                    s_handle = NativeLibrary.Load(candidate);
                    // Confluent.Kafka's own Library.Load needs "libdl", which glibc 2.34+ no longer ships under that
                    // name; resolving its DllImports to the handle we loaded avoids that and any system librdkafka.
                    var handle = s_handle;
                    NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.Library).Assembly,
                        (name, _, _) => name.Contains("rdkafka", StringComparison.Ordinal) ? handle : IntPtr.Zero);
                    s_path = candidate;
                    return candidate;
                }
                catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException or InvalidOperationException)
                {
                    errors.Add($"{candidate}: {ex.Message}");
                }
            }
            throw new DllNotFoundException(
                $"The bundled librdkafka could not be loaded from {native} ({(errors.Count == 0 ? "no file there" : string.Join("; ", errors))}).");
        }
    }

    /// <summary>A function of the loaded library, for the few calls Confluent.Kafka does not wrap (the mock cluster).</summary>
    internal static T Function<T>(string name) where T : Delegate
    {
        EnsureLoaded();
        return Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(s_handle, name));
    }
}
