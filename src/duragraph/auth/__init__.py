"""Ready-made `langgraph_sdk.Auth` objects to name in langgraph.json, e.g.
`"auth": {"path": "duragraph.auth.api_keys:auth"}`."""
