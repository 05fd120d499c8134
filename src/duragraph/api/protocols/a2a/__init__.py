"""A2A (Agent2Agent): JSON-RPC at /a2a/{assistant_id} and the agent cards."""
