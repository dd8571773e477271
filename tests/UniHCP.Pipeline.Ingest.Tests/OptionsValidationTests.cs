using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Ingest.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Every_problem_is_listed_with_its_configuration_path()
    {
        var options = new IngestOptions
        {
            Cameras =
            [
                new CameraOptions { Id = "lobby", Source = "rtsp://cam1/stream", FrameRate = -3 },
                new CameraOptions { Id = "lobby", Source = "ftp://example/video.avi" },
                new CameraOptions { Id = "bad id!", Source = "" },
                new CameraOptions { Id = "push", Source = "rtsp://0.0.0.0:8554/in", Listen = true },
                new CameraOptions { Id = "file", Source = "a.avi", Live = true, Width = 1, ReadTimeout = TimeSpan.Zero },
                new CameraOptions { Id = "retry", Source = "http://x/y.m3u8", Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(1), MaxAttempts = 0 } },
            ],
        };

        var error = Assert.Throws<OptionsValidationException>(() => IngestOptionsValidator.BuildSources(options));

        string[] expected =
        [
            "Ingest:Cameras:0 ('lobby'): FrameRate must be above 0",
            "Ingest:Cameras:1 ('lobby'): Id 'lobby' is used by another camera",
            "Ingest:Cameras:1 ('lobby'): Source scheme 'ftp' is not supported",
            "Ingest:Cameras:2 ('bad id!'): Id 'bad id!' is not valid",
            "Ingest:Cameras:2 ('bad id!'): Source is required",
            "Ingest:Cameras:3 ('push'): a Listen source needs Width and Height",
            "Ingest:Cameras:4 ('file'): Width must be between 2 and 8192 pixels (got 1)",
            "Ingest:Cameras:4 ('file'): a file cannot be a live source",
            "Ingest:Cameras:4 ('file'): ReadTimeout must be above 0",
            "Ingest:Cameras:5 ('retry'): Reconnect:MaxDelay must be at least InitialDelay",
            "Ingest:Cameras:5 ('retry'): Reconnect:MaxAttempts must be at least 1",
        ];
        foreach (string message in expected)
            Assert.Contains(error.Failures, f => f.StartsWith(message, StringComparison.Ordinal));
        Assert.Equal(expected.Length, error.Failures.Count());
    }

    [Fact]
    public void No_camera_at_all_is_an_error()
    {
        var error = Assert.Throws<OptionsValidationException>(() => IngestOptionsValidator.BuildSources(new IngestOptions()));
        Assert.Contains("no camera is configured", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Sources_are_classified_and_paths_made_absolute()
    {
        var sources = IngestOptionsValidator.BuildSources(new IngestOptions
        {
            Cameras =
            [
                new CameraOptions { Id = "f", Source = "videos/a.avi" },
                new CameraOptions { Id = "r", Source = "rtsp://user:secret@10.0.0.5/stream1" },
                new CameraOptions { Id = "h", Source = "https://example.org/live/index.m3u8" },
                new CameraOptions { Id = "v", Source = "http://example.org/clip.mp4", Live = false },
            ],
        }, baseDirectory: "/srv/site");

        Assert.Equal((SourceKind.File, "/srv/site/videos/a.avi", false), (sources[0].Kind, sources[0].Location, sources[0].IsLive));
        Assert.Equal((SourceKind.Rtsp, true), (sources[1].Kind, sources[1].IsLive));
        Assert.Equal("rtsp://***@10.0.0.5/stream1", sources[1].DisplayLocation);
        Assert.Equal((SourceKind.Http, true), (sources[2].Kind, sources[2].IsLive));
        Assert.False(sources[3].IsLive);
    }

    [Fact]
    public void Back_off_doubles_up_to_its_cap()
    {
        var reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) };
        Assert.Equal(new[] { 1.0, 2, 4, 5, 5 }, Enumerable.Range(1, 5).Select(a => reconnect.DelayBefore(a).TotalSeconds));
    }
}
