-- Rows projected before runs took the official server's shapes.
-- A run that stopped at interrupt() is a success (its thread is `interrupted`);
-- a cancelled run stays `interrupted`.
UPDATE runs SET status = 'success'
WHERE status = 'interrupted'
  AND run_id IN (SELECT data->>'run_id' FROM events
                 WHERE type = 'run.interrupted' AND data ? 'run_id');

-- A thread's interrupts carry `response_schema` only when it is set (events
-- keep the old shape; they are upcast when read).
UPDATE threads t SET interrupts = (
    SELECT jsonb_object_agg(task, CASE WHEN jsonb_typeof(items) <> 'array' THEN items ELSE (
        SELECT coalesce(jsonb_agg(CASE WHEN i->'response_schema' = 'null'::jsonb
                                       THEN i - 'response_schema' ELSE i END ORDER BY n),
                        '[]'::jsonb)
        FROM jsonb_array_elements(items) WITH ORDINALITY AS a(i, n)) END)
    FROM jsonb_each(t.interrupts) AS e(task, items))
WHERE t.interrupts @? '$.*[*].response_schema ? (@ == null)';
