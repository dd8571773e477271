-- A track's thumbnail strip: its best crop in each 10-second slot of video time (the track page shows how the
-- person looked along the way; "thumbnails" keeps the single best crop for result lists).
create table track_strip (
    camera_id   text        not null,
    track_id    bigint      not null,
    slot_start  timestamptz not null,
    capture_time timestamptz not null,
    frame_seq   bigint      not null,
    score       real        not null,
    jpeg        bytea       not null,
    primary key (camera_id, track_id, slot_start)
);
-- Retention removes a camera's oldest slots first.
create index track_strip_camera_slot on track_strip (camera_id, slot_start);
