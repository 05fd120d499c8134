"""LangGraph's protocol v2: commands and event streams on a thread, over HTTP
(SSE) and a WebSocket."""
