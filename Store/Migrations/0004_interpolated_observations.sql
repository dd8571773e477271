-- Observations the store fills in where a track was lost and found again (an operator sees where the person was
-- while occluded): boxes interpolated between the two detections, det_index negative (-1 - the track id modulo
-- 10^9, so each track's filled-in row of a frame has its own key and a replay writes it once), score 0 (no
-- detection), no person-task results. Queries that want detections only leave them out.
alter table observations add column interpolated boolean not null default false;

-- Frames in which a reported track had no detection (lost: the frame was analysed, the person not found), kept
-- until the track is detected again - then the frames are filled in observations and the rows go - or ends.
create table track_gaps (
    camera_id     text        not null,
    track_id      bigint      not null,
    frame_seq     bigint      not null,
    capture_time  timestamptz not null,
    primary key (camera_id, track_id, frame_seq)
);
