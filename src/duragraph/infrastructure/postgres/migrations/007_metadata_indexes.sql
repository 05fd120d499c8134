-- Auth filters and metadata searches are containment queries on metadata.
CREATE INDEX IF NOT EXISTS threads_metadata ON threads USING gin (metadata jsonb_path_ops);
CREATE INDEX IF NOT EXISTS assistants_metadata ON assistants USING gin (metadata jsonb_path_ops);
CREATE INDEX IF NOT EXISTS crons_metadata ON crons USING gin (metadata jsonb_path_ops);
