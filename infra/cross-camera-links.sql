-- The two-camera identity check (docs/default-model.md): after
--   ffmpeg -ss 3 -i .local/data/vtest.avi -c:v mpeg4 -q:v 2 -an /tmp/west.avi
--   infra/unihcp run -s east=$PWD/.local/data/vtest.avi -s west=/tmp/west.avi      (on a clean database)
-- the same person is in east's frame f and west's frame f - 30, so an east track and a west track are known to be one
-- person when their detected boxes (not interpolated ones) overlap at IoU >= 0.5 there on at least 3 frames.
-- Prints those known pairs, the east-west pairs the identities stage linked (same identity) and how many of them are right.
--   psql "<connection>" -f infra/cross-camera-links.sql
with truth as (
  select e.track_id et, w.track_id wt
  from observations e join observations w on w.camera_id = 'west' and w.frame_seq = e.frame_seq - 30
  where e.camera_id = 'east' and not e.interpolated and not w.interpolated and e.track_id is not null and w.track_id is not null
    and (greatest(0, least(e.x2, w.x2) - greatest(e.x1, w.x1)) * greatest(0, least(e.y2, w.y2) - greatest(e.y1, w.y1)))
        / nullif((e.x2 - e.x1) * (e.y2 - e.y1) + (w.x2 - w.x1) * (w.y2 - w.y1)
        - greatest(0, least(e.x2, w.x2) - greatest(e.x1, w.x1)) * greatest(0, least(e.y2, w.y2) - greatest(e.y1, w.y1)), 0) >= 0.5
  group by 1, 2 having count(*) >= 3),
linked as (
  select te.track_id et, tw.track_id wt from tracks te join tracks tw on te.identity_id = tw.identity_id
  where te.camera_id = 'east' and tw.camera_id = 'west' and te.identity_id is not null)
select (select count(*) from truth) true_pairs,
       (select count(*) from linked) linked_pairs,
       (select count(*) from linked l join truth t using (et, wt)) right_links,
       (select count(distinct identity_id) from tracks where identity_id is not null) identities,
       (select count(*) from (select identity_id from tracks where identity_id is not null group by 1 having count(distinct camera_id) = 2) s) spanning,
       (select count(*) from tracks) tracks;
