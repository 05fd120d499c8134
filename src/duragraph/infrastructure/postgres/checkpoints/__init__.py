"""LangGraph checkpointers whose writes are `checkpoint.*` events, and the
reads of the checkpoint projections they share."""
