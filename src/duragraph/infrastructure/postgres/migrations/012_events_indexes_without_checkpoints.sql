-- The run and thread indexes of the event log serve the audit log, a run's
-- outcome, webhooks and the threads projection's pointer: none of them reads
-- checkpoint events (`checkpoint.saved` and `checkpoint.writes_saved`, five of
-- a chat turn's eleven events), which are read by their stream. Left out of
-- both indexes. A query meant to use one states the same predicate.
CREATE INDEX IF NOT EXISTS events_run_steps ON events ((data->>'run_id'), position)
    WHERE data ? 'run_id' AND type NOT IN ('checkpoint.saved', 'checkpoint.writes_saved');
CREATE INDEX IF NOT EXISTS events_thread_steps ON events ((data->>'thread_id'), position)
    WHERE data ? 'thread_id' AND type NOT IN ('checkpoint.saved', 'checkpoint.writes_saved');
DROP INDEX IF EXISTS events_run;
DROP INDEX IF EXISTS events_thread;

-- A run's webhook target is read from its `run.created`, through the run index.
CREATE OR REPLACE FUNCTION duragraph_run_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (run_id, event_id, url)
    SELECT NEW.data->>'run_id', NEW.event_id, c.data->'kwargs'->>'webhook'
    FROM events c
    WHERE c.data ? 'run_id' AND c.data->>'run_id' = NEW.data->>'run_id'
      AND c.type NOT IN ('checkpoint.saved', 'checkpoint.writes_saved')
      AND c.type = 'run.created' AND c.data->'kwargs'->>'webhook' IS NOT NULL
    ON CONFLICT (run_id) DO NOTHING;
    RETURN NULL;
END $$;
