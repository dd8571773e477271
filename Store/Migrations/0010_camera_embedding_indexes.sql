-- A similarity index per camera beside the shared one. A window and camera filter leaves a few per cent of a large
-- store's tracks: the shared HNSW index then discards most of what it visits, and ranking the candidates exactly reads
-- each one's row at random (500,000 tracks, 5 cameras over 30 days = 42,000 candidates: about 190 ms). A graph of the
-- camera's own tracks answers the same search in about 12 ms a camera (docs/benchmarks.md, "Vector search").
--
-- The store's embedding indexer builds them with CREATE INDEX CONCURRENTLY (the writers are never blocked), from the
-- statement camera_embedding_index_ddl gives, for every camera of the `cameras` table and every length the shared
-- indexes exist for. Search by example uses a camera's index only once it is valid; until then the shared path.

-- The index's name: the length and a digest of the camera id (ids are free text; names are at most 63 bytes).
create function camera_embedding_index_name(dims integer, camera text) returns text language sql immutable parallel safe as $$
    select 'track_embeddings_indexed_' || dims || '_c' || left(md5(camera), 16)
$$;

-- The statement that creates it (quoting done here, by format). Partial on the length and the camera, over the same
-- expression as the shared index, so a query that says `vector_dims(indexed) = N and camera_id = <camera>` and orders
-- by `indexed::halfvec(N) <=> ...` can walk it.
create function camera_embedding_index_ddl(dims integer, camera text) returns text language sql immutable parallel safe as $$
    select format(
        'create index concurrently if not exists %I on track_embeddings using hnsw ((indexed::halfvec(%s)) halfvec_cosine_ops) with (m = 16, ef_construction = 32) where vector_dims(indexed) = %s and camera_id = %L',
        camera_embedding_index_name(dims, camera), dims, dims, camera)
$$;

-- Whether the camera's index of this length exists and is usable (a concurrent build that failed leaves an invalid one).
create function camera_embedding_index_valid(dims integer, camera text) returns boolean language sql stable parallel safe as $$
    select coalesce((select i.indisvalid and i.indisready from pg_index i where i.indexrelid = to_regclass(camera_embedding_index_name(dims, camera))), false)
$$;

-- The (length, camera) pairs still without a valid index: each camera the store knows, each length a shared index
-- exists for (see ensure_embedding_index).
create function missing_camera_embedding_indexes() returns table (dims integer, camera text) language sql stable as $$
    select l.dims, c.id
    from (select substring(indexname from '^track_embeddings_indexed_([0-9]+)$')::integer as dims
          from pg_indexes where schemaname = current_schema() and tablename = 'track_embeddings'
            and indexname ~ '^track_embeddings_indexed_[0-9]+$') l
    cross join cameras c
    where not camera_embedding_index_valid(l.dims, c.id)
    order by c.id, l.dims
$$;
