-- pgvector (infra/setup.sh builds and installs it): ReID embeddings as halfvec (float16, half the bytes of
-- real[]), and each track's direction indexed with HNSW (cosine), so that search by example reads an index
-- instead of every track's embedding.
create extension if not exists vector;

alter table observations alter column embedding type halfvec using embedding::halfvec;

-- The unit vector along embedding_sum, float16: what similarity search ranks by. The float32 sum stays
-- beside it because adding float16 vectors would round at every update. Null while the sum is zero.
alter table track_embeddings add column unit halfvec;
create function unit_halfvec(sum real[]) returns halfvec language sql immutable parallel safe as $$
    select case when vector_norm(sum::vector) > 0 then l2_normalize(sum::vector)::halfvec end
$$;
update track_embeddings set unit = unit_halfvec(embedding_sum);

-- One HNSW index per embedding length (an index needs a fixed length; models differ), created by the
-- writer when it first stores an embedding of that length: partial on the length, over the column cast
-- to it. A query uses it when it says `vector_dims(unit) = N` and orders by `unit::halfvec(N) <=> ...`.
-- HNSW takes halfvec of at most 4,000 dimensions; longer ones are searched exactly. Returns whether an
-- index exists for the length.
create function ensure_embedding_index(dims integer) returns boolean language plpgsql as $$
begin
    if dims < 1 or dims > 4000 then
        return false;
    end if;
    -- Two writers meeting a new length at once: one creates, the other then finds it.
    perform pg_advisory_xact_lock(hashtext('ensure_embedding_index'));
    execute format(
        'create index if not exists %I on track_embeddings using hnsw ((unit::halfvec(%s)) halfvec_cosine_ops) where vector_dims(unit) = %s',
        'track_embeddings_unit_' || dims, dims, dims);
    return true;
end $$;

-- The lengths already stored get their index now (read first: an index cannot be made under a scan of its table).
do $$
declare
    lengths integer[];
    length integer;
begin
    select coalesce(array_agg(distinct vector_dims(unit)), '{}') into lengths from track_embeddings where unit is not null;
    foreach length in array lengths loop
        perform ensure_embedding_index(length);
    end loop;
end $$;
