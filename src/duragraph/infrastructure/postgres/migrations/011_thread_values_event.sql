-- A thread's values after a run are those of the run's outcome event
-- (`run.succeeded` / `run.interrupted` carry them): the row points at that
-- event instead of holding a copy, so a turn of a long chat no longer
-- rewrites the whole state into `threads` (its TOAST was a sixth of a turn's
-- WAL at 200 turns). `values` keeps the values set outside a run
-- (`thread.state_updated`: update_state, a copy, a cancelled run) and those
-- of rows projected before this column; at most one of the two is set.
ALTER TABLE threads ADD COLUMN IF NOT EXISTS values_event bigint;
