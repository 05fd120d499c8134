-- Channel values stored once per (thread, namespace, channel, version), as
-- LangGraph's PostgresSaver stores them: part of the event store (a
-- `checkpoint.saved` event refers to them by `blob_versions`), not a
-- projection, so a rebuild leaves them alone. Written beside the events that
-- bring them; deleted once no checkpoint of the thread refers to them.
CREATE TABLE checkpoint_blobs (
    thread_id     text NOT NULL,
    checkpoint_ns text NOT NULL,
    channel       text NOT NULL,
    version       text NOT NULL,
    type          text NOT NULL,
    blob          bytea NOT NULL,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);
-- Large blobs come compressed (their type ends in "+zlib"): TOAST need not try.
ALTER TABLE checkpoint_blobs ALTER COLUMN blob SET STORAGE EXTERNAL;

-- {channel: version} of the values a checkpoint holds as blobs; NULL for
-- checkpoints saved with every value inline.
ALTER TABLE checkpoints ADD COLUMN blob_versions jsonb;
