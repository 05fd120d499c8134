-- Crons (a projection of the cron streams; rebuilt with the others).
CREATE TABLE crons (
    cron_id          text PRIMARY KEY,
    assistant_id     text NOT NULL,
    thread_id        text,
    schedule         text NOT NULL,
    timezone         text,
    end_time         timestamptz,
    enabled          boolean NOT NULL,
    payload          jsonb NOT NULL,
    metadata         jsonb NOT NULL,
    on_run_completed text,
    user_id          text,
    next_run_date    timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
-- The schedulers' question: which enabled crons are due?
CREATE INDEX crons_due ON crons (next_run_date) WHERE enabled AND next_run_date IS NOT NULL;
CREATE INDEX crons_thread ON crons (thread_id);
