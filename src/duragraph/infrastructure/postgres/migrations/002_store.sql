-- The long-term memory store (projections of store.* events).
CREATE TABLE store_items (
    namespace   text[] NOT NULL,
    key         text NOT NULL,
    value       jsonb NOT NULL,
    ttl_minutes double precision,
    expires_at  timestamptz,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (namespace, key)
);
CREATE INDEX store_items_expiry ON store_items (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX store_items_updated ON store_items (updated_at DESC);

-- One embedding per indexed text of an item (pgvector is not assumed: the
-- cosine similarity is computed over float8 arrays; `norm` is precomputed).
CREATE TABLE store_vectors (
    namespace text[] NOT NULL,
    key       text NOT NULL,
    idx       integer NOT NULL,
    field     text NOT NULL,
    embedding double precision[] NOT NULL,
    norm      double precision NOT NULL,
    PRIMARY KEY (namespace, key, idx)
);
