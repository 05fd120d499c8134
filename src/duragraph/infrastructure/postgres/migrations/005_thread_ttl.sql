-- Projection: when each thread with a `ttl` expires (rebuilt from thread.ttl_set).
CREATE TABLE IF NOT EXISTS thread_ttl (
    thread_id   text PRIMARY KEY,
    strategy    text NOT NULL,
    ttl_minutes double precision NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS thread_ttl_expires ON thread_ttl (expires_at);

-- When the thread's values last changed (a run's outcome, update_state, a copy).
ALTER TABLE threads ADD COLUMN IF NOT EXISTS state_updated_at timestamptz;
UPDATE threads SET state_updated_at = updated_at WHERE state_updated_at IS NULL;
