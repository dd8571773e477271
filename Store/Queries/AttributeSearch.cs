using System.Text;
using Dapper;
using Npgsql;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>
/// Attribute search across cameras over the tracks' mean attribute probabilities (kept as running
/// sums by the writer, so no observation is read). The SQL is built from a fixed template: names
/// become vocabulary ids and every value is a parameter.
/// </summary>
public sealed class AttributeSearch(NpgsqlDataSource dataSource)
{
    public async Task<Page<ScoredTrack>> SearchAsync(AttributeQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var paging = query.Paging ?? new Paging();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var vocabulary = await AttributeVocabulary.ReadAllAsync(connection, cancellationToken).ConfigureAwait(false);

        var parameters = new DynamicParameters(new
        {
            from = query.Window.From,
            to = query.Window.To,
            cameras = query.Window.Cameras?.ToArray(),
            upper = query.UpperColor,
            lower = query.LowerColor,
            byIdentity = query.ByIdentity,
            limit = paging.PageSize,
            offset = paging.Offset,
        });
        var where = new StringBuilder(TrackQueries.WindowFilter);
        var scores = new List<string>();
        for (int i = 0; i < query.Conditions.Count; i++)
        {
            var condition = query.Conditions[i];
            if (!vocabulary.TryGetValue(condition.Name, out short id))
            {
                string known = vocabulary.Count == 0 ? "none stored yet" : string.Join(", ", vocabulary.Keys.Order(StringComparer.OrdinalIgnoreCase));
                throw new QueryValidationException("where", $"unknown attribute '{condition.Name}' (known: {known}).");
            }
            parameters.Add($"a{i}", (int)id);
            parameters.Add($"p{i}", condition.Threshold);
            string mean = $"(t.attr_sum[@a{i}] / t.attr_n)";
            where.Append($" and {mean} {(condition.Below ? "<" : ">=")} @p{i}");
            scores.Add(condition.Below ? $"(1 - {mean})" : mean);
        }
        if (query.Conditions.Count > 0)
            where.Append(" and t.attr_n > 0");
        where.Append(" and (@upper::text is null or t.upper_color = @upper) and (@lower::text is null or t.lower_color = @lower)");
        string score = scores.Count > 0 ? $"({string.Join(" + ", scores)}) / {scores.Count}" : "t.best_score";

        // One row per identity (its best track) when asked; tracks without an identity stand alone.
        // Scores are means of float sums, so equal probabilities can differ in the 7th digit: rank on 4.
        string sql = $"""
            with matched as (
                select {TrackRow.Columns}, ({score})::float8 as Score
                from tracks t where {where}
            ), ranked as (
                select m.*, row_number() over (partition by coalesce('i' || m.IdentityId, 't' || m.CameraId || '/' || m.TrackId) order by m.Score desc, m.BestScore desc) as rank_in_group
                from matched m
            )
            select r.*, count(*) over () as Total from ranked r
            where not @byIdentity or r.rank_in_group = 1
            order by round(r.Score::numeric, 4) desc, r.BestScore desc, r.CameraId, r.TrackId
            limit @limit offset @offset
            """;
        var rows = await TrackRow.QueryAsync(connection, sql, parameters, cancellationToken).ConfigureAwait(false);
        int total = rows.Count > 0 ? (int)rows[0].Total : 0;
        if (rows.Count == 0 && paging.Offset > 0)
        {
            // Past the last page: the window count saw no rows, so count separately.
            total = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                $"select count(*) from ({sql.Replace("limit @limit offset @offset", string.Empty, StringComparison.Ordinal)}) c", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        return new Page<ScoredTrack>(rows.Select(r => new ScoredTrack(r.ToSummary(), r.Score)).ToList(), total, paging.PageNumber, paging.PageSize);
    }
}
