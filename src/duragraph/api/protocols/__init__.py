"""The protocol adapters beside the REST routes: A2A, MCP and protocol v2,
each with its own routes. `jsonrpc` and `invocation` are shared by A2A and MCP."""
