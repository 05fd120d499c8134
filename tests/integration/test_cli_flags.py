"""`duragraph` takes what `langgraph dev` users type: the official flags are
accepted (or refused in one line when honouring them is impossible), bad
values are one line and exit code 2, and `--version` answers."""

from __future__ import annotations

import os
import re
from importlib import metadata
from pathlib import Path

import httpx
import pytest

from captured import cli, dev, until


def _one_line_refusal(done, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr


def test_version_prints_the_installed_version():
    done = cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"duragraph {metadata.version('duragraph-server')}"


@pytest.mark.parametrize("command", ["dev", "serve", "worker"])
def test_a_bad_log_level_flag_is_one_line_and_exit_code_2(command):
    _one_line_refusal(cli(command, "--log-level", "LOUD"), "--log-level", "LOUD", "DEBUG")


def test_a_bad_log_level_in_the_environment_is_one_line_too():
    _one_line_refusal(cli("worker", env={"DURAGRAPH_LOG_LEVEL": "loud"}), "loud")


def test_a_bad_log_format_is_one_line():
    _one_line_refusal(cli("serve", "--log-format", "xml"), "--log-format", "json")


@pytest.mark.parametrize(
    "args, env, words",
    [
        (["dev", "--n-jobs-per-worker", "0"], {}, ["--n-jobs-per-worker", "0", "less than 1"]),
        (["worker", "--n-jobs-per-worker", "-3"], {}, ["-3"]),
        (["worker"], {"DURAGRAPH_N_JOBS_PER_WORKER": "many"}, ["'many'", "whole number"]),
    ],
)
def test_run_slots_below_one_or_not_a_number_are_refused(args, env, words):
    _one_line_refusal(cli(*args, env=env), *words)


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--tunnel"], ["--tunnel is not supported", "cloudflared"]),
        (["--ssl-certfile", "c.pem", "--ssl-keyfile", "k.pem"], ["not supported", "TLS proxy"]),
        (["--wait-for-client"], ["--debug-port"]),
    ],
)
def test_flags_that_cannot_be_honoured_are_refused_in_one_line(flags, words):
    _one_line_refusal(cli("dev", *flags), *words)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--to", "old.jsonl.gz"], ["--older-than DAYS"]),
        (["--older-than", "30"], ["--to FILE"]),
        (["--older-than", "-1", "--to", "old.jsonl.gz"], ["--older-than", "-1.0"]),
        (["--older-than", "a month", "--to", "old.jsonl.gz"], ["--older-than", "'a month'"]),
    ],
)
def test_events_archive_without_its_cutoff_or_file_is_refused_in_one_line(args, words):
    _one_line_refusal(cli("events", "archive", *args), *words)


def test_events_archive_will_not_overwrite_an_archive(tmp_path: Path, database_url: str):
    existing = tmp_path / "old.jsonl.gz"
    existing.write_bytes(b"kept")
    done = cli(
        "events", "archive", "--older-than", "0", "--to", str(existing),
        "--database-url", database_url,
    )  # fmt: skip
    assert done.returncode == 1 and "File exists" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert existing.read_bytes() == b"kept"


def test_an_unknown_flag_is_one_line_not_a_usage_block():
    _one_line_refusal(cli("dev", "--no-such-flag"), "--no-such-flag")


def test_debug_port_without_debugpy_says_how_to_install_it(tmp_path: Path):
    # A debugpy that fails to import stands for one not installed, whatever
    # this machine has.
    (tmp_path / "debugpy").mkdir()
    (tmp_path / "debugpy" / "__init__.py").write_text("raise ImportError('not installed')\n")
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    done = cli("dev", "--debug-port", "5678", env={"PYTHONPATH": path})
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].endswith("pip install debugpy")


def _run_slots(url: str) -> int:
    text = httpx.get(f"{url}/metrics").text
    return int(re.search(r"^lg_api_workers_max (\d+)", text, re.M).group(1))


def test_langgraph_dev_flags_are_accepted_and_do_what_they_say():
    with dev(
        "--no-browser",
        "--allow-blocking",
        "--server-log-level",
        "warning",
        "--studio-url",
        "https://studio.example/",
        "--n-jobs-per-worker",
        "3",
        "--log-level",
        "INFO",
        env={"DURAGRAPH_N_JOBS_PER_WORKER": "5"},
    ) as (url, server):
        # the flag, over the environment (the worker registers just after /ok)
        assert until(lambda: _run_slots(url) == 3)
        assert f"Studio: https://studio.example/studio/?baseUrl={url}" in server.stderr()
        assert "does not detect blocking calls" in server.stderr()
        assert "uvicorn" not in server.stderr()  # its INFO lines are below WARNING


def test_run_slots_from_the_environment_and_the_server_log_level_from_its_flag():
    with dev("--server-log-level", "INFO", env={"DURAGRAPH_N_JOBS_PER_WORKER": "2"}) as (
        url,
        server,
    ):
        assert until(lambda: _run_slots(url) == 2)
        assert until(lambda: "uvicorn.error: Application startup complete" in server.stderr())
