"""LangGraph's long-term memory store (`BaseStore`, the `/store` routes) on
our event store: items are events, reads come from the `store_*` projections."""
