"""Run webhooks: the URL policy checked at run creation and before each
POST, and the deliverer that drains `webhook_deliveries`."""
