using Microsoft.Extensions.Configuration;
using UniHCP.Pipeline.Cli.Configuration;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>The cameras of a command: --source values, else Ingest:Cameras from the configuration, else the sample video.</summary>
internal static class CameraSources
{
    public static (IReadOnlyList<CameraSource> Sources, IngestOptions Options) Build(
        IConfiguration configuration, string[] sourceValues, double? rate, int? width, int? height)
    {
        var options = ConfigurationLoader.Bind<IngestOptions>(configuration, IngestOptions.SectionName);
        if (sourceValues.Length > 0)
            options.Cameras = SourceArgument.ToCameras(sourceValues);
        else if (options.Cameras.Count == 0)
            options.Cameras = [new CameraOptions { Id = "sample", Source = SampleVideo.Locate() }];
        foreach (var camera in options.Cameras)
        {
            camera.FrameRate = rate ?? camera.FrameRate;
            camera.Width = width ?? camera.Width;
            camera.Height = height ?? camera.Height;
        }
        return (IngestOptionsValidator.BuildSources(options), options);
    }
}
