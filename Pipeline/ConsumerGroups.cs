namespace UniHCP.Pipeline.Hosting;

/// <summary>The consumer groups of the pipeline's stages: one name per stage and input, in both wirings. Processes of
/// one stage share a group, and so the partitions (cameras) of its input topic.</summary>
public static class ConsumerGroups
{
    public const string Inference = "inference";
    public const string Tracking = "tracking";
    public const string Identities = "identities";
    public const string StoreTracks = "store";
    public const string StoreIdentities = "store-identities";
    public const string Events = "events";
}
