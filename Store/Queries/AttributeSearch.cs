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

        // Rank on the narrow columns first and build the page's full rows (thumbnail flag included)
        // only for the page. One row per identity (its best track) when asked; tracks without an
        // identity stand alone. Scores are means of float sums, so equal probabilities can differ in
        // the 7th digit: rank on 4.
        string ranking = query.ByIdentity
            ? "row_number() over (partition by coalesce('i' || t.identity_id, 't' || t.camera_id || '/' || t.track_id) order by ({score}) desc, t.best_score desc)"
            : "1";
        string sql = $"""
            with matched as (
                select t.camera_id, t.track_id, t.best_score, round(({score})::numeric, 4)::float8 as score, {ranking.Replace("{score}", score, StringComparison.Ordinal)} as rank_in_group
                from tracks t where {where}
            ), page as (
                select m.camera_id, m.track_id, m.score, count(*) over () as total, row_number() over (order by m.score desc, m.best_score desc, m.camera_id, m.track_id) as position
                from matched m where m.rank_in_group = 1
                order by m.score desc, m.best_score desc, m.camera_id, m.track_id
                limit @limit offset @offset
            )
            select {TrackRow.Columns}, p.score as Score, p.total as Total
            from page p join tracks t on t.camera_id = p.camera_id and t.track_id = p.track_id
            order by p.position
            """;
        var rows = await TrackRow.QueryAsync(connection, sql, parameters, cancellationToken).ConfigureAwait(false);
        int total = rows.Count > 0 ? (int)rows[0].Total : 0;
        if (rows.Count == 0 && paging.Offset > 0)
        {
            // Past the last page: the window count saw no rows, so count separately.
            total = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                $"select {(query.ByIdentity ? "count(distinct coalesce('i' || t.identity_id, 't' || t.camera_id || '/' || t.track_id))" : "count(*)")} from tracks t where {where}",
                parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        return new Page<ScoredTrack>(rows.Select(r => new ScoredTrack(r.ToSummary(), r.Score)).ToList(), total, paging.PageNumber, paging.PageSize);
    }
}
