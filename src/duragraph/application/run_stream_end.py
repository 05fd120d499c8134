"""A run's stream ends here: every end marker is written by `end_run_stream`,
the one caller of `publish_end`.

The end marker ends every stream and join reading the run and wakes
`runs.wait`. The run's executor writes it, and so does whatever cancels a
run that may have none:

- the run's executor, when the run ends there: its outcome recorded, failed
  as unschedulable, or found cancelled or deleted once its work stopped
  (a cancel that publishes nothing itself: a new run's `interrupt` or
  `rollback` of a running one);
- the API, for the runs it cancels (the cancel routes, protocols, a client
  gone with `on_disconnect=cancel`): a run cancelled while pending has no
  executor and never gets one; one whose executor died has none alive (a
  cancelled run is not recovered); and on `serve` the worker executing it
  hears of the cancel only through the outbox relay, later;
- the API and the cron scheduler, for the pending runs a new run's
  `interrupt` or `rollback` cancelled (`CreatedRun.cancelled_pending`).

So a run cancelled while it executes may get two end markers, the API's
first: the run's readers stop at the first. A single writer
(the relay, ending runs from their outcome events) would make every join and
`runs.wait` wait a relay hop longer.
"""

from __future__ import annotations

from ..domain.statuses import RunStatus
from .ports import RunStreamEnds


async def end_run_stream(
    streams: RunStreamEnds, run_id: str, status: RunStatus, *, thread_id: str
) -> None:
    await streams.publish_end(run_id, status, thread_id=thread_id)
