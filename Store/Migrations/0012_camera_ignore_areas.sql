-- Each camera's ignore areas (polygons where detections are dropped before tracking), versioned as camera_geometry is:
-- the configuration's areas are recorded when they change, an operator's edit (API, dashboard) adds a version, and
-- the latest version is what the inference stage uses (it re-reads them while it runs). An empty list is a version
-- too: the camera's areas were removed.
create table camera_ignore_areas (
    camera_id  text        not null,
    version    integer     not null check (version > 0),
    areas      jsonb       not null,
    source     text        not null check (source in ('config', 'api')),
    recorded   timestamptz not null default now(),
    primary key (camera_id, version)
);
