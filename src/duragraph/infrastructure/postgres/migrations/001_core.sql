-- The event store: the source of truth.
CREATE TABLE events (
    position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_id          xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id       uuid NOT NULL UNIQUE,
    stream_id      text NOT NULL,
    stream_version integer NOT NULL,
    type           text NOT NULL,
    data           jsonb NOT NULL,
    metadata       jsonb NOT NULL DEFAULT '{}',
    recorded_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (stream_id, stream_version)
);
-- Tailing readers page by (tx_id, position) below the snapshot xmin.
CREATE INDEX events_tx_position ON events (tx_id, position);
CREATE INDEX events_run ON events ((data->>'run_id'), position) WHERE data ? 'run_id';
CREATE INDEX events_thread ON events ((data->>'thread_id'), position) WHERE data ? 'thread_id';

-- Transactional outbox, relayed to JetStream. Filled by a trigger, so an
-- event cannot be committed without its outbox row. Checkpoint blobs are
-- storage, not domain facts: `run.step_completed` tells the world about a step.
CREATE TABLE outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id   uuid NOT NULL,
    sent_at    timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

CREATE FUNCTION duragraph_event_to_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (event_id) VALUES (NEW.event_id);
    RETURN NULL;
END $$;
CREATE TRIGGER events_outbox AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.type NOT LIKE 'checkpoint.%')
    EXECUTE FUNCTION duragraph_event_to_outbox();

CREATE FUNCTION duragraph_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('duragraph_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION duragraph_outbox_notify();

-- Executor leases: operational, not projections (not rebuilt from events).
CREATE TABLE leases (
    run_id     text PRIMARY KEY,
    thread_id  text NOT NULL,
    epoch      integer NOT NULL,
    worker_id  text NOT NULL,
    expires_at timestamptz NOT NULL
);

-- Projections (read models): rebuilt from events by `duragraph projections rebuild`.
CREATE TABLE assistants (
    assistant_id text PRIMARY KEY,
    graph_id     text NOT NULL,
    name         text NOT NULL,
    description  text,
    config       jsonb NOT NULL,
    context      jsonb NOT NULL,
    metadata     jsonb NOT NULL,
    version      integer NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE assistant_versions (
    assistant_id text NOT NULL,
    version      integer NOT NULL,
    graph_id     text NOT NULL,
    name         text NOT NULL,
    description  text,
    config       jsonb NOT NULL,
    context      jsonb NOT NULL,
    metadata     jsonb NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (assistant_id, version)
);

CREATE TABLE threads (
    thread_id  text PRIMARY KEY,
    metadata   jsonb NOT NULL,
    status     text NOT NULL,
    values     jsonb,
    interrupts jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE runs (
    run_id             text PRIMARY KEY,
    thread_id          text NOT NULL,
    assistant_id       text NOT NULL,
    graph_id           text NOT NULL,
    status             text NOT NULL,
    epoch              integer NOT NULL DEFAULT 0,
    metadata           jsonb NOT NULL,
    kwargs             jsonb NOT NULL,
    multitask_strategy text NOT NULL,
    temporary          boolean NOT NULL,
    error              jsonb,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX runs_thread ON runs (thread_id, created_at);
CREATE INDEX runs_active ON runs (created_at) WHERE status IN ('pending', 'running');

CREATE TABLE checkpoints (
    thread_id            text NOT NULL,
    checkpoint_ns        text NOT NULL,
    checkpoint_id        text NOT NULL,
    parent_checkpoint_id text,
    run_id               text,
    type                 text NOT NULL,
    checkpoint           bytea NOT NULL,
    metadata             jsonb NOT NULL,
    created_at           timestamptz NOT NULL,
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
);

CREATE TABLE checkpoint_writes (
    thread_id     text NOT NULL,
    checkpoint_ns text NOT NULL,
    checkpoint_id text NOT NULL,
    task_id       text NOT NULL,
    idx           integer NOT NULL,
    channel       text NOT NULL,
    type          text NOT NULL,
    blob          bytea NOT NULL,
    task_path     text NOT NULL DEFAULT '',
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);

-- The epoch fence: every executor write calls this in its transaction.
CREATE FUNCTION duragraph_fence(p_run text, p_epoch integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM runs WHERE run_id = p_run AND epoch = p_epoch AND status = 'running' FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % epoch % is fenced', p_run, p_epoch USING ERRCODE = 'DGF01';
    END IF;
END $$;
