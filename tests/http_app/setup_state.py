"""What the custom app's lifespan sets up, for the graphs of the same process."""

SETUP: dict[str, str] = {}
