-- HNSW indexes made from now on build with ef_construction 32 instead of pgvector's 64: every track's embedding
-- update inserts into the graph inside the write transaction, and that insertion (about 1.2-1.6 ms for a 1536-d
-- halfvec at 64) was most of the writer's time; queries keep recall with a larger hnsw.ef_search (SimilarSearch).
-- Indexes that exist keep their parameters.
create or replace function ensure_embedding_index(dims integer) returns boolean language plpgsql as $$
begin
    if dims < 1 or dims > 4000 then
        return false;
    end if;
    perform pg_advisory_xact_lock(hashtext('ensure_embedding_index'));
    execute format(
        'create index if not exists %I on track_embeddings using hnsw ((unit::halfvec(%s)) halfvec_cosine_ops) with (m = 16, ef_construction = 32) where vector_dims(unit) = %s',
        'track_embeddings_unit_' || dims, dims, dims);
    return true;
end $$;
