-- Webhook deliveries: operational, not a projection (never rebuilt, so a
-- rebuild sends nothing twice). Filled by a trigger like the outbox: a run's
-- outcome cannot commit without the delivery its `webhook` asks for.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          text NOT NULL UNIQUE,  -- a run ends once
    event_id        uuid NOT NULL,         -- its terminal event
    url             text NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    failed_at       timestamptz,           -- given up: a refused target, or out of attempts
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;

CREATE OR REPLACE FUNCTION duragraph_run_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (run_id, event_id, url)
    SELECT NEW.data->>'run_id', NEW.event_id, c.data->'kwargs'->>'webhook'
    FROM events c
    WHERE c.data ? 'run_id' AND c.data->>'run_id' = NEW.data->>'run_id'
      AND c.type = 'run.created' AND c.data->'kwargs'->>'webhook' IS NOT NULL
    ON CONFLICT (run_id) DO NOTHING;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS events_run_webhook ON events;
CREATE TRIGGER events_run_webhook AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.type IN ('run.succeeded', 'run.failed', 'run.interrupted',
                                    'run.cancelled'))
    EXECUTE FUNCTION duragraph_run_webhook();
