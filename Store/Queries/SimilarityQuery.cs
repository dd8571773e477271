namespace UniHCP.Pipeline.Store.Queries;

/// <summary>
/// Search by example: rank tracks in the window by cosine similarity of their mean ReID embedding
/// to the example's.
/// </summary>
/// <param name="Window">Time window and optional cameras of the candidates.</param>
/// <param name="Limit">How many results (at most <see cref="Paging.MaxPageSize"/>).</param>
/// <param name="MinSimilarity">Leave out results below this cosine similarity (-1..1).</param>
public sealed record SimilarityQuery(TimeWindow Window, int Limit = 20, double MinSimilarity = -1)
{
    public void Validate()
    {
        Window.Validate();
        if (Limit is < 1 or > Paging.MaxPageSize)
            throw new QueryValidationException("limit", $"limit must be 1..{Paging.MaxPageSize} (got {Limit}).");
        if (double.IsNaN(MinSimilarity) || MinSimilarity is < -1 or > 1)
            throw new QueryValidationException("minSimilarity", $"minSimilarity must be between -1 and 1 (got {MinSimilarity}).");
    }
}
