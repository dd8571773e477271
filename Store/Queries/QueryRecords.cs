namespace UniHCP.Pipeline.Store.Queries;

/// <summary>A track as operators see it in lists.</summary>
public sealed record TrackSummary(
    string CameraId,
    long TrackId,
    long? IdentityId,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    int Observations,
    float BestScore,
    string? UpperColor,
    string? LowerColor,
    bool HasThumbnail)
{
    public TimeSpan Duration => LastSeen - FirstSeen;
}

/// <summary>A track with its mean attribute probabilities and where else its identity was seen.</summary>
public sealed record TrackDetail(TrackSummary Track, IReadOnlyDictionary<string, float> Attributes, IReadOnlyList<TrackSummary> SameIdentity);

/// <summary>A ranked search result.</summary>
public sealed record ScoredTrack(TrackSummary Track, double Score);

/// <summary>One page of results and the total count.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int PageNumber, int PageSize);

/// <summary>A time window [From, To] and optional cameras.</summary>
public sealed record TimeWindow(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<string>? Cameras = null)
{
    public const int MaxCameras = 500;

    public void Validate()
    {
        if (To < From)
            throw new QueryValidationException("to", $"'to' ({To:O}) is before 'from' ({From:O}).");
        if (To - From > TimeSpan.FromDays(3660))
            throw new QueryValidationException("to", "the window is longer than ten years.");
        if (Cameras is { Count: > MaxCameras })
            throw new QueryValidationException("cameras", $"at most {MaxCameras} cameras per query.");
        foreach (string camera in Cameras ?? [])
        {
            if (!Core.Events.CameraId.IsValid(camera))
                throw new QueryValidationException("cameras", $"'{camera}' is not a valid camera id.");
        }
    }
}

/// <summary>Paging with a hard upper bound on the page size.</summary>
public sealed record Paging(int PageNumber = 1, int PageSize = 50)
{
    public const int MaxPageSize = 200;

    public int Offset => (PageNumber - 1) * PageSize;

    public void Validate()
    {
        if (PageNumber < 1 || PageNumber > 100_000)
            throw new QueryValidationException("page", $"page must be 1..100000 (got {PageNumber}).");
        if (PageSize < 1 || PageSize > MaxPageSize)
            throw new QueryValidationException("pageSize", $"pageSize must be 1..{MaxPageSize} (got {PageSize}).");
    }
}

/// <summary>A query argument is not acceptable; <see cref="Parameter"/> names it.</summary>
public sealed class QueryValidationException(string parameter, string message) : Exception($"{parameter}: {message}")
{
    public string Parameter { get; } = parameter;

    /// <summary>A user's value cut to a length fit for an error message.</summary>
    public static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";
}

/// <summary>A camera and when it was active.</summary>
public sealed record CameraSummary(string Id, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, bool HasSnapshot = false);

/// <summary>One observation of a track: where (box) and when.</summary>
/// <summary>One frame of a track's path; <paramref name="Interpolated"/>: no detection, the store filled the frame in between two
/// (the person was lost, e.g. hidden; score 0).</summary>
public sealed record TrackPoint(long FrameSequence, DateTimeOffset CaptureTime, float X1, float Y1, float X2, float Y2, float Score, bool Interpolated = false);

/// <summary>One crop of a track's strip: its best crop in a <see cref="Writing.TrackUpdateWriter.StripSlot"/> of video time.</summary>
public sealed record StripCrop(DateTimeOffset Time, long FrameSequence, float Score, byte[] Jpeg);

/// <summary>A box of a camera's newest stored frame (<see cref="LiveBoxQueries"/>).</summary>
public sealed record LiveBox(long? TrackId, float X1, float Y1, float X2, float Y2, float Score);

/// <summary>The boxes of a camera's newest stored frame.</summary>
public sealed record LiveFrame(string Camera, long FrameSequence, DateTimeOffset CaptureTime, IReadOnlyList<LiveBox> Boxes);
