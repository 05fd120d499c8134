-- Operational state, not a read model (no events behind it): each executing
-- process (`worker`, `dev`) keeps its row fresh every few seconds, so that
-- `serve` can tell whether anyone will take the runs it accepts.
CREATE TABLE IF NOT EXISTS workers (
    worker_id    text PRIMARY KEY,
    host         text NOT NULL,
    pid          integer NOT NULL,
    started_at   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    slots        integer NOT NULL,
    slots_in_use integer NOT NULL
);
CREATE INDEX IF NOT EXISTS workers_last_seen ON workers (last_seen);
