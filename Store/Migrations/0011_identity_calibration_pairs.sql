-- Each camera's sample of pairs of people seen together (the cosine similarities of two tracks matched in one frame:
-- two different people for certain), per weights version: the identities stage learns its join and merge thresholds
-- from it, and keeps it here so that a restart gives identities at once instead of waiting for new pairs. Replaced
-- whole on each save (at most a few thousand values per camera); similarities oldest first.
create table identity_calibration_pairs (
    camera_id         text        not null,
    model_version     text        not null,
    embedding_length  integer     not null check (embedding_length > 0),
    similarities      real[]      not null,
    updated           timestamptz not null default now(),
    primary key (camera_id, model_version)
);
