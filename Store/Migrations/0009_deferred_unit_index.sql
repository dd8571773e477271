-- The HNSW graph moves off the write path. Inserting a 1536-d unit into it costs 6-7 ms on the 2-core host, and the
-- writer paid that inside every batch's transaction for every track whose unit changed: 70 % of its time, capping the
-- store at about 7,600 observations/s. Now the writer only sets `unit` (no index reads it, so the update is HOT), and
-- the embedding indexer (EmbeddingIndexer, run next to the store stage) copies each changed unit into `indexed`, the
-- column the HNSW indexes are built on, in batches at its own pace. Until then the track is "pending"
-- (indexed_n <> unit_n; a partial index lists those rows) and search by example ranks the pending tracks exactly,
-- next to the index's answer for the rest, so nothing written is missing from a search.
alter table track_embeddings add column indexed halfvec, add column indexed_n integer not null default 0;

do $$
declare
    name text;
begin
    for name in select indexname from pg_indexes where tablename = 'track_embeddings' and indexname like 'track_embeddings\_unit\_%' loop
        execute format('drop index %I', name);
    end loop;
end $$;

-- Rows written before this migration are indexed as they are (their units are what the old indexes held).
update track_embeddings set indexed = unit, indexed_n = unit_n;

-- Each indexing leaves a dead version of its row (the indexed column changed, so the update cannot be HOT). Searches
-- right after a large catch-up ran 10-20x slower until the table was vacuumed (store benchmark: p50 215 ms before,
-- 10 ms after a 6 s vacuum of 50,000 rows), so autovacuum follows this table at 2 % dead rows instead of 20 %.
alter table track_embeddings set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);

create index track_embeddings_pending on track_embeddings (camera_id, track_id) where indexed_n <> unit_n;

create or replace function ensure_embedding_index(dims integer) returns boolean language plpgsql as $$
begin
    if dims < 1 or dims > 4000 then
        return false;
    end if;
    perform pg_advisory_xact_lock(hashtext('ensure_embedding_index'));
    execute format(
        'create index if not exists %I on track_embeddings using hnsw ((indexed::halfvec(%s)) halfvec_cosine_ops) with (m = 16, ef_construction = 32) where vector_dims(indexed) = %s',
        'track_embeddings_indexed_' || dims, dims, dims);
    return true;
end $$;

-- The lengths first: an index cannot be created while a query of this session still reads the table.
do $$
declare
    lengths integer[];
    dims integer;
begin
    select coalesce(array_agg(distinct vector_dims(indexed)), '{}') into lengths from track_embeddings where indexed is not null;
    foreach dims in array lengths loop
        perform ensure_embedding_index(dims);
    end loop;
end $$;
