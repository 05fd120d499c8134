-- A run that stopped at interrupt() is a success, as on the official server
-- (its thread is `interrupted`); rows projected before said `interrupted`.
-- A cancelled run stays `interrupted`.
UPDATE runs SET status = 'success'
WHERE status = 'interrupted'
  AND run_id IN (SELECT data->>'run_id' FROM events
                 WHERE type = 'run.interrupted' AND data ? 'run_id');
