-- A track's embedding sum changes with every batch that brings it embeddings, but its unit vector (the HNSW-indexed
-- direction) is rewritten only when the track's embedding count has doubled since the unit was set: n counts the
-- embeddings summed, unit_n the count the unit was made from. An update that leaves the unit alone is a HOT update
-- (no indexed column changed, and fillfactor keeps room on the page for the new row version), so it costs no HNSW
-- insertion - measured at 6-7 ms per row for 1536 dimensions on the 2-core test host, the store's largest cost.
alter table track_embeddings add column n integer not null default 0, add column unit_n integer not null default 0;
update track_embeddings e set n = t.embedding_n, unit_n = t.embedding_n from tracks t where t.camera_id = e.camera_id and t.track_id = e.track_id;
alter table track_embeddings set (fillfactor = 70);
