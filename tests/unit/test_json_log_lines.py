"""--log-format json: one object per record, the traceback as a string,
fields passed with `extra=` kept."""

from __future__ import annotations

import json
import logging

from duragraph.logs import JsonFormatter


def test_a_record_is_one_json_line_with_its_traceback_and_fields():
    try:
        raise ValueError("boom")
    except ValueError as exc:
        record = logging.LogRecord(
            "duragraph.x",
            logging.ERROR,
            __file__,
            1,
            "run %s failed",
            ("r1",),
            (ValueError, exc, exc.__traceback__),
        )
    record.run_id = "r1"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    out = json.loads(line)
    assert (out["level"], out["logger"], out["message"], out["run_id"]) == (
        "ERROR",
        "duragraph.x",
        "run r1 failed",
        "r1",
    )
    assert out["exc_info"].endswith("ValueError: boom") and "Traceback" in out["exc_info"]
    assert out["timestamp"].endswith("+00:00")
