using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Ingest.Configuration;

/// <summary>
/// Checks the "Ingest" section at start-up and turns it into <see cref="CameraSource"/>s. Every
/// message names the setting's configuration path and the camera, so a bad config stops the
/// process at boot with all its problems listed, not at frame 10,000 with the first one.
/// </summary>
public sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public const int MaxDimension = 8192;
    public const double MaxFrameRate = 1000;
    private static readonly TimeSpan s_maxTimeout = TimeSpan.FromDays(1);

    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var errors = Check(options, out _);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Validates and builds the sources; throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static IReadOnlyList<CameraSource> BuildSources(IngestOptions options, string? baseDirectory = null)
    {
        var errors = Check(options, out var sources, baseDirectory);
        if (errors.Count > 0)
            throw new OptionsValidationException(IngestOptions.SectionName, typeof(IngestOptions), errors);
        return sources;
    }

    private static List<string> Check(IngestOptions options, out List<CameraSource> sources, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        sources = [];
        if (options.Cameras.Count == 0)
            errors.Add($"{IngestOptions.SectionName}:Cameras: no camera is configured; give at least one (e.g. --source <file or URL>).");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.Cameras.Count; i++)
        {
            var camera = options.Cameras[i];
            string at = $"{IngestOptions.SectionName}:Cameras:{i}" + (camera?.Id is { Length: > 0 } id ? $" ('{id}')" : string.Empty);
            if (camera is null)
            {
                errors.Add($"{at}: empty camera entry.");
                continue;
            }
            int before = errors.Count;
            if (!CameraId.IsValid(camera.Id))
                errors.Add($"{at}: Id '{camera.Id}' is not valid: use 1-{CameraId.MaxLength} letters, digits, '.', '_' or '-'.");
            else if (!seen.Add(camera.Id))
                errors.Add($"{at}: Id '{camera.Id}' is used by another camera; ids must be unique.");

            var (kind, location) = ClassifySource(camera.Source, at, errors, baseDirectory);
            if (camera.FrameRate is { } rate && (!double.IsFinite(rate) || rate <= 0 || rate > MaxFrameRate))
                errors.Add($"{at}: FrameRate must be above 0 and at most {MaxFrameRate} frames/s (got {rate}).");
            CheckDimension(camera.Width, "Width", at, errors);
            CheckDimension(camera.Height, "Height", at, errors);
            if (camera.Listen && kind != SourceKind.Rtsp)
                errors.Add($"{at}: Listen applies to rtsp:// sources only.");
            if (camera.Listen && (camera.Width is null || camera.Height is null))
                errors.Add($"{at}: a Listen source needs Width and Height, because its stream cannot be probed before the sender connects.");
            bool live = camera.Live ?? kind != SourceKind.File;
            if (live && kind == SourceKind.File)
                errors.Add($"{at}: a file cannot be a live source; remove Live or use a stream URL.");
            CheckTimeout(camera.ConnectTimeout, "ConnectTimeout", at, errors);
            CheckTimeout(camera.ReadTimeout, "ReadTimeout", at, errors);
            var reconnect = camera.Reconnect ?? new ReconnectOptions();
            if (reconnect.InitialDelay < TimeSpan.FromMilliseconds(1) || reconnect.InitialDelay > s_maxTimeout)
                errors.Add($"{at}: Reconnect:InitialDelay must be between 1 ms and 1 day (got {reconnect.InitialDelay}).");
            if (reconnect.MaxDelay < reconnect.InitialDelay || reconnect.MaxDelay > s_maxTimeout)
                errors.Add($"{at}: Reconnect:MaxDelay must be at least InitialDelay and at most 1 day (got {reconnect.MaxDelay}).");
            if (reconnect.MaxAttempts is < 1)
                errors.Add($"{at}: Reconnect:MaxAttempts must be at least 1, or absent to retry forever (got {reconnect.MaxAttempts}).");
            if (errors.Count > before)
                continue;

            sources.Add(new CameraSource
            {
                Id = camera.Id!,
                Location = location!,
                Kind = kind,
                IsLive = live,
                Listen = camera.Listen,
                FrameRate = camera.FrameRate,
                Width = camera.Width,
                Height = camera.Height,
                Scaler = camera.Scaler,
                RtspTransport = camera.RtspTransport,
                StartTime = camera.StartTime,
                ConnectTimeout = camera.ConnectTimeout,
                ReadTimeout = camera.ReadTimeout,
                ReconnectInitialDelay = reconnect.InitialDelay,
                ReconnectMaxDelay = reconnect.MaxDelay,
                ReconnectMaxAttempts = reconnect.MaxAttempts,
            });
        }
        return errors;
    }

    private static (SourceKind Kind, string? Location) ClassifySource(string? source, string at, List<string> errors, string? baseDirectory)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            errors.Add($"{at}: Source is required (a file path, rtsp:// or http(s):// URL).");
            return (SourceKind.File, null);
        }
        int scheme = source.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            string path = Path.GetFullPath(source, baseDirectory ?? Directory.GetCurrentDirectory());
            return (SourceKind.File, path);
        }
        if (!Uri.TryCreate(source, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host) && uri.Scheme != Uri.UriSchemeFile)
        {
            errors.Add($"{at}: Source '{source}' is not a valid URL.");
            return (SourceKind.File, null);
        }
        switch (uri.Scheme)
        {
            case "rtsp":
            case "rtsps":
                return (SourceKind.Rtsp, source);
            case "http":
            case "https":
                return (SourceKind.Http, source);
            case "file":
                return (SourceKind.File, uri.LocalPath);
            default:
                errors.Add($"{at}: Source scheme '{uri.Scheme}' is not supported; use a file path, rtsp://, rtsps://, http:// or https://.");
                return (SourceKind.File, null);
        }
    }

    private static void CheckDimension(int? value, string name, string at, List<string> errors)
    {
        if (value is { } v && (v < 2 || v > MaxDimension))
            errors.Add($"{at}: {name} must be between 2 and {MaxDimension} pixels (got {v}).");
    }

    private static void CheckTimeout(TimeSpan value, string name, string at, List<string> errors)
    {
        if (value <= TimeSpan.Zero || value > s_maxTimeout)
            errors.Add($"{at}: {name} must be above 0 and at most 1 day (got {value}).");
    }
}
