-- Track ids are reserved in blocks per camera, so that any number of tracking processes (a camera's partition
-- moving between them on a rebalance, or a restarted process) never give one id twice. next_id is the first id
-- not yet reserved.
create table track_id_blocks (
    camera_id  text   primary key,
    next_id    bigint not null check (next_id >= 1)
);
