using Microsoft.Extensions.Configuration;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>The cameras of a command: --source values, else Ingest:Cameras from the configuration, else
/// Ingest:DefaultSource (the development set-up puts the sample video there).</summary>
internal static class CameraSources
{
    public static (IReadOnlyList<CameraSource> Sources, IngestOptions Options) Build(
        IConfiguration configuration, string[] sourceValues, double? rate, int? width, int? height)
    {
        var options = ConfigurationLoader.Bind<IngestOptions>(configuration, IngestOptions.SectionName);
        if (sourceValues.Length > 0)
            options.Cameras = SourceArgument.ToCameras(sourceValues);
        else if (options.Cameras.Count == 0 && !string.IsNullOrWhiteSpace(options.DefaultSource))
            options.Cameras = SourceArgument.ToCameras([options.DefaultSource]);
        else if (options.Cameras.Count == 0)
            throw new ArgumentException("No camera: pass --source ID=LOCATION (a file, rtsp:// or http(s):// URL), or configure Ingest:Cameras " +
                "(or Ingest:DefaultSource; infra/setup.sh sets the sample video there in .local/env).");
        foreach (var camera in options.Cameras)
        {
            camera.FrameRate = rate ?? camera.FrameRate;
            camera.Width = width ?? camera.Width;
            camera.Height = height ?? camera.Height;
        }
        return (IngestOptionsValidator.BuildSources(options), options);
    }
}
