namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>The one-line progress of a run: frames analysed, rate, persons, tracks, observations stored.</summary>
internal static class RunProgress
{
    public static string Describe(EmbeddedPipeline pipeline)
    {
        var inference = pipeline.Inference.Counters;
        var store = pipeline.Store.Counters;
        long tracks = pipeline.Tracking?.TracksStarted ?? 0;
        return $"{inference.Analysed} frames analysed, {inference.Persons} persons, {tracks} tracks, {store.Observations} observations stored";
    }
}
