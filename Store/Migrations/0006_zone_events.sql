-- Zones and counting lines per camera, versioned: an edit adds a version and events keep the version they were counted
-- with. The definition is the CameraGeometry JSON (zones with points, dwell threshold and occupancy limit; lines with
-- their two points and "in" side). source: 'config' (the events stage's configuration, recorded at its start) or 'api'.
create table camera_geometry (
    camera_id   text        not null,
    version     integer     not null,
    definition  jsonb       not null,
    source      text        not null default 'config',
    created     timestamptz not null default now(),
    primary key (camera_id, version)
);

-- Zone and line events (kind: 0 enter, 1 exit, 2 dwell, 3 line in, 4 line out, 5 crowding). The key is what a replay
-- of the same track updates computes again (capture times, unlike frame numbers, do not restart when a file is analysed
-- again), so a replay stores nothing twice. track_id 0: crowding (the zone's event).
create table zone_events (
    seq               bigint      generated always as identity,
    camera_id         text        not null,
    geometry          text        not null,
    geometry_version  integer     not null,
    kind              smallint    not null,
    track_id          bigint      not null,
    frame_seq         bigint      not null,
    time              timestamptz not null,
    identity_id       bigint,
    duration          interval    not null,
    occupancy         integer     not null,
    primary key (camera_id, geometry, geometry_version, kind, track_id, time)
);
create index zone_events_time on zone_events (time);
-- Live readers (the API's event stream, webhooks) follow seq: the order events were stored in.
create unique index zone_events_seq on zone_events (seq);
create index zone_events_camera_time on zone_events (camera_id, time);

-- The events stage's state per camera, written in the transaction of the events it covers.
create table zone_event_checkpoints (
    camera_id         text        primary key,
    last_frame        bigint      not null,
    geometry_version  integer     not null,
    state             jsonb       not null,
    updated           timestamptz not null default now()
);

-- Each webhook's place in zone_events (the last seq it acknowledged with a 2xx).
create table webhook_cursors (
    url       text        primary key,
    last_seq  bigint      not null,
    updated   timestamptz not null default now()
);

-- The newest full frame of each camera, a JPEG every Inference:SnapshotEvery: what the zone editor draws on.
create table camera_snapshots (
    camera_id  text        primary key,
    captured   timestamptz not null,
    width      integer     not null,
    height     integer     not null,
    jpeg       bytea       not null
);
