"""MCP (Model Context Protocol): each assistant a tool, over JSON-RPC at /mcp."""
