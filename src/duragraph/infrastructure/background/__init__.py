"""The background loops, each on the one helper in `loop.py` (`every`): cron
firing, thread TTLs, store expiry, the worker heartbeat and, for `serve`, the
worker watch. Elsewhere on the same helper: webhook delivery
(webhooks/deliverer.py) and run recovery (worker.py). The outbox relay
(nats/relay.py) wakes on NOTIFY rather than on a clock, so it keeps its own."""
