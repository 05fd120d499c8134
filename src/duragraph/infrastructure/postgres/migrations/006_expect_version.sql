-- A commit that decided on a stream it does not append to (a run created from
-- a cached assistant) checks that the stream has not moved since it was read.
CREATE FUNCTION duragraph_expect_version(p_stream text, p_version integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF COALESCE((SELECT max(stream_version) FROM events WHERE stream_id = p_stream), 0)
            <> p_version THEN
        RAISE EXCEPTION 'stream % is no longer at version %', p_stream, p_version
            USING ERRCODE = 'DGC01';
    END IF;
END $$;
