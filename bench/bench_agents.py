"""Thousands in flight (issue 15 item 2): N agent-like runs started at once on
one server, each awaiting a fake chat model that streams tokens for seconds,
each followed by its own SSE client; DuraGraph (`duragraph dev`) and then the
official server (`langgraph dev`'s in-memory runtime), in ONE run.

    python bench/bench_agents.py                        # 1000 runs, both servers
    python bench/bench_agents.py --runs 20 --no-official
    python bench/bench_agents.py --runs 300 --tokens 40 --seconds 4

The graph (`tokens` in bench/graphs/langgraph.json): one node awaiting a fake
chat model (a `langchain_core` BaseChatModel whose `_astream` yields
`ChatGenerationChunk`s) that emits --tokens tokens over --seconds seconds;
each token's text carries its emission time, `"{i}@{time.time()} "`, and the
final AI message is the tokens joined. State: `MessagesState`.

Each server runs with as many run slots as runs (`--n-jobs-per-worker` =
--runs: DURAGRAPH_N_JOBS_PER_WORKER for DuraGraph, the flag for the official
server). One thread per run is created before the clock starts; then all N
`POST /threads/{id}/runs/stream` requests (`stream_mode`: messages-tuple and
values) are issued at once, each on its own connection (the peak number of
streams open at once is printed, to show they really were concurrent), read
by a lean asyncio-streams client (sse_client.py): through httpx the client's
own event loop fell seconds behind, and the token latencies were its lag.
The client runs on uvloop when installed, and its event-loop lag (how late a
20 ms sleep wakes, p99 and max) is printed: a client that lags measures itself.

Printed per server, side by side, with the ratio DuraGraph/official:
  - runs that finished with the right content (every token, in order, and a
    final AI message equal to the tokens streamed) out of N;
  - token latency, from emission (in the server) to arrival (at the client;
    same machine, same clock) p50/p90/p99/max over all tokens of all runs;
  - time to the first SSE event (the run's `metadata`: it was created) and
    to the first token (from issuing the request) p50/p99, and the run
    start delay (request issued -> first token emitted) p50/p99/max;
  - total wall time (first request issued -> last stream ended);
  - peak memory (sampled every 0.5 s, as bench_server.py does): the server's
    RSS, nats-server's RSS, PostgreSQL's PSS over all its processes, total;
  - peak pending runs and peak running runs (`GET /metrics?format=json`,
    `queue`, polled every --metrics-interval s; the official in-memory
    server computes its queue stats in O(pending x runs), so polling costs it
    CPU while runs are pending);
  - the client's event-loop lag p99/max;
  - CPU seconds per process during the measurement, the client (this
    process: 1000 SSE clients, the samplers) included. The client shares the
    2 cores with the server: its CPU is part of every figure.

With --scale (item 2's second half), instead: --scale-runs runs at once
(300) on one `duragraph dev` with --slots run slots (100), then on the same
`dev` joined by --workers - 1 `duragraph worker` processes of --slots slots
each (against dev's embedded PostgreSQL and NATS, their URLs read from its data
folder), and the throughput ratio (runs / wall time) of the second to the first:

    python bench/bench_agents.py --scale --scale-runs 300 --slots 100 --workers 3

Its peak n_running and n_pending show that the slots cap the runs: `dev`
with 100 slots runs 100 and holds 200 pending (a run created over HTTP is
claimed by the creating process only while it holds a free slot,
placement.executor_here); with the extra workers the runs spread over all.
On 2 cores the ratio is bounded by CPU, not slots: the 3-process case keeps
both cores busy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import PeakSampler
from sse_client import StatusError, post_lines
from servers import (
    Sampler,
    Server,
    _child_env,
    _spawn,
    cpu_of,
    memory_of,
    start_duragraph,
    start_official,
    stop,
    wait_ready,
)

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "bench" / "graphs" / "langgraph.json"
GRAPH = "tokens"
INPUT = {"messages": [{"role": "user", "content": "go"}]}
TOKEN = re.compile(r'"content":\s*"(\d+)@([0-9.]+) "')
TARGETS = {"token_p99_ms": 250.0, "memory_mb": 1024.0}


@dataclass
class Stream:
    """What one SSE client saw of its run (times: time.time())."""

    sent: float = 0.0
    first_event: float = 0.0  # the `metadata` event: the run exists
    texts: list[str] = field(default_factory=list)
    emitted: list[float] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)
    indexes: list[int] = field(default_factory=list)
    final: str | None = None
    ended: float = 0.0
    error: str | None = None


class LoopLag:
    """How late a 20 ms sleep wakes in this process's event loop, while running."""

    PERIOD = 0.02

    def __init__(self) -> None:
        self.lags_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _watch(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(self.PERIOD)
            self.lags_ms.append(max(0.0, time.monotonic() - before - self.PERIOD) * 1000)


@dataclass
class Figures:
    runs: int = 0
    ok: int = 0
    errors: list[str] = field(default_factory=list)
    token_ms: list[float] = field(default_factory=list)
    first_token_ms: list[float] = field(default_factory=list)
    first_event_ms: list[float] = field(default_factory=list)
    start_delay_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    peak_open: int = 0
    client_lag_ms: list[float] = field(default_factory=list)
    peak_memory: dict[str, float] = field(default_factory=dict)
    idle_memory: dict[str, float] = field(default_factory=dict)
    peak_queue: dict[str, int] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=1000, help="runs started at once (and run slots)")
    p.add_argument("--tokens", type=int, default=40, help="tokens per run")
    p.add_argument("--seconds", type=float, default=4.0, help="seconds over which they stream")
    p.add_argument("--no-official", action="store_true", help="skip the official server")
    p.add_argument(
        "--metrics-interval", type=float, default=0.5, help="seconds between /metrics polls"
    )
    p.add_argument("--timeout", type=float, default=600.0, help="bound on the whole measurement")
    p.add_argument("--scale", action="store_true", help="the workers comparison instead")
    p.add_argument("--scale-runs", type=int, default=300, help="runs at once for --scale")
    p.add_argument("--slots", type=int, default=100, help="run slots per process for --scale")
    p.add_argument("--workers", type=int, default=3, help="executing processes for --scale")
    return p.parse_args()


# -- one SSE client ---------------------------------------------------------------------


class OpenCount:
    """Streams open at once (first event received, not yet ended), and its peak."""

    def __init__(self) -> None:
        self.now = self.peak = 0

    def opened(self) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)

    def closed(self) -> None:
        self.now -= 1


def run_body(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "assistant_id": GRAPH,
        "input": INPUT,
        "stream_mode": ["messages-tuple", "values"],
        "config": {"configurable": {"tokens": args.tokens, "seconds": args.seconds}},
    }


async def follow(url: str, thread_id: str, body: dict[str, Any], count: OpenCount) -> Stream:
    seen = Stream(sent=time.time())
    lines = post_lines(url, f"/threads/{thread_id}/runs/stream", body)
    try:
        async with contextlib.aclosing(lines):
            await _read(lines, seen, count)
    except (StatusError, OSError, ValueError, asyncio.IncompleteReadError) as e:
        seen.error = f"{type(e).__name__}: {e}"
    seen.ended = time.time()
    return seen


async def _read(lines: AsyncIterator[str], seen: Stream, count: OpenCount) -> None:
    event, last_values = "", None
    try:
        async for line in lines:
            if not seen.first_event:
                seen.first_event = time.time()
                count.opened()
            event, last_values = _line(line, seen, event, last_values)
    finally:
        if seen.first_event:
            count.closed()
    seen.final = _final_text(last_values)


def _line(line: str, seen: Stream, event: str, last_values: str | None) -> tuple[str, str | None]:
    """One SSE line: the event it names, or its data where it matters."""
    if line.startswith("event:"):
        return line[6:].strip(), last_values
    if line.startswith("data:"):
        if event == "messages":
            _token(line, seen)
        elif event == "values":
            last_values = line[5:]
        elif event == "error":
            seen.error = line[5:].strip()[:200]
    return event, last_values


def _token(line: str, seen: Stream) -> None:
    arrived = time.time()
    match = TOKEN.search(line)
    if match is None:  # the empty last chunk, or another message
        return
    seen.arrived.append(arrived)
    seen.indexes.append(int(match[1]))
    seen.emitted.append(float(match[2]))
    seen.texts.append(f"{match[1]}@{match[2]} ")


def _final_text(values: str | None) -> str | None:
    if values is None:
        return None
    messages = json.loads(values).get("messages") or []
    return messages[-1].get("content") if messages else None


def right_content(seen: Stream, tokens: int) -> bool:
    return (
        seen.error is None
        and seen.indexes == list(range(tokens))
        and seen.final == "".join(seen.texts)
    )


# -- samplers ---------------------------------------------------------------------------


class QueueSampler(Sampler):
    """Polls GET /metrics?format=json on a thread; keeps the peak of
    queue.n_pending and queue.n_running."""

    def __init__(self, server: Server, interval: float) -> None:
        super().__init__(interval)
        self.url = f"{server.url}/metrics"
        self.peak: dict[str, int] = {"n_pending": 0, "n_running": 0, "polls": 0, "failed": 0}

    def sample(self) -> None:
        try:
            queue = httpx.get(self.url, params={"format": "json"}, timeout=10).json()["queue"]
        except (httpx.HTTPError, ValueError, KeyError):
            self.peak["failed"] += 1
            return
        self.peak["polls"] += 1
        for key in ("n_pending", "n_running"):
            self.peak[key] = max(self.peak[key], int(queue.get(key) or 0))


# -- one server -------------------------------------------------------------------------


def http_client(server: Server) -> httpx.AsyncClient:
    """For creating threads (the streams have their own connections)."""
    return httpx.AsyncClient(base_url=server.url, timeout=httpx.Timeout(None, connect=120))


async def create_threads(client: httpx.AsyncClient, count: int) -> list[str]:
    gate = asyncio.Semaphore(32)

    async def one() -> str:
        async with gate:
            response = await client.post("/threads", json={})
            response.raise_for_status()
            return response.json()["thread_id"]

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def warm_up(client: httpx.AsyncClient, args: argparse.Namespace) -> None:
    body = run_body(args) | {"config": {"configurable": {"tokens": 3, "seconds": 0.1}}}
    for thread_id in await create_threads(client, 3):
        seen = await follow(str(client.base_url), thread_id, body, OpenCount())
        if not right_content(seen, 3):
            raise RuntimeError(f"warm-up run went wrong: {seen}")


async def measure(server: Server, args: argparse.Namespace) -> Figures:
    fig = Figures(runs=args.runs)
    async with http_client(server) as client:
        await warm_up(client, args)
        threads = await create_threads(client, args.runs)
    await asyncio.sleep(1)
    fig.idle_memory = memory_of(server)
    streams, count = await _all_at_once(server, threads, args, fig)
    fig.peak_open = count.peak
    summarize(fig, streams, args)
    return fig


async def _all_at_once(
    server: Server, threads: list[str], args: argparse.Namespace, fig: Figures
) -> tuple[list[Stream], OpenCount]:
    body, count = run_body(args), OpenCount()
    before = cpu_of(server)
    with PeakSampler(server) as memory, QueueSampler(server, args.metrics_interval) as queue:
        async with LoopLag() as lag:
            started = time.time()
            streams = await asyncio.wait_for(
                asyncio.gather(*(follow(server.url, t, body, count) for t in threads)),
                args.timeout,
            )
            fig.wall_s = max(s.ended for s in streams) - started
        fig.client_lag_ms = lag.lags_ms
    after = cpu_of(server)
    fig.cpu_s = {k: after[k] - before.get(k, 0.0) for k in after}
    fig.peak_memory, fig.peak_queue = memory.peak, queue.peak
    return streams, count


def summarize(fig: Figures, streams: list[Stream], args: argparse.Namespace) -> None:
    for seen in streams:
        if right_content(seen, args.tokens):
            fig.ok += 1
        elif len(fig.errors) < 3:
            fig.errors.append(
                seen.error or f"tokens {seen.indexes[:5]}... final {seen.final!r:.80}"
            )
        fig.token_ms += [(a - e) * 1000 for a, e in zip(seen.arrived, seen.emitted, strict=True)]
        if seen.first_event:
            fig.first_event_ms.append((seen.first_event - seen.sent) * 1000)
        if seen.arrived:
            fig.first_token_ms.append((seen.arrived[0] - seen.sent) * 1000)
            fig.start_delay_ms.append((seen.emitted[0] - seen.sent) * 1000)


def run_server(name: str, args: argparse.Namespace) -> Figures:
    print(f"starting {name} with {args.runs} run slots ...", flush=True)
    if name == "duragraph":
        env = {"DURAGRAPH_N_JOBS_PER_WORKER": str(args.runs)}
        server = start_duragraph(CONFIG, env=env)
    else:
        server = start_official(CONFIG, args.runs)
    try:
        print(
            f"{name}: ready in {wait_ready(server):.1f}s; {args.runs} runs at once ...", flush=True
        )
        fig = run_loop(measure(server, args))
        fig.notes = server.notes
    finally:
        stop(server)
    print(f"{name}: {fig.ok}/{fig.runs} right in {fig.wall_s:.1f}s", flush=True)
    return fig


def run_loop(coro: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


# -- report ------------------------------------------------------------------------------


def pct(values: list[float], p: int) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def _cell(value: float | None, fmt: str = "{:12.1f}") -> str:
    return fmt.format(value) if value is not None else f"{'-':>12}"


def _row(title: str, values: list[float | None], note: str = "", fmt: str = "{:12.1f}") -> None:
    ratio = ""
    if len(values) == 2 and values[0] is not None and values[1]:
        ratio = f"{values[0] / values[1]:12.2f}"
    elif len(values) == 2:
        ratio = f"{'-':>12}"
    print(f"{title:48} {' '.join(_cell(v, fmt) for v in values)}{ratio}  {note}".rstrip())


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def total_memory(memory: dict[str, float]) -> float:
    keys = ("server RSS", "nats-server RSS", "postgres all procs PSS", "children RSS")
    return sum(memory.get(k, 0.0) for k in keys)


def report(figures: dict[str, Figures], args: argparse.Namespace) -> None:
    cols = list(figures.values())
    names = {"duragraph": "DuraGraph", "official": "official"}
    head = " ".join(f"{names[n]:>12}" for n in figures) + (
        f"{'DG/official':>12}" if len(cols) == 2 else ""
    )
    print(
        f"\n== {args.runs} runs at once, {args.tokens} tokens over {args.seconds:g} s each, "
        f"n-jobs-per-worker {args.runs} =="
    )
    print(f"{'metric':48} {head}  target")
    _content_rows(cols, args)
    _latency_rows(cols)
    _resource_rows(cols)
    for name, fig in figures.items():
        for error in fig.errors:
            print(f"{name}: e.g. {error}")
        if fig.notes:
            print(f"{name}: {'; '.join(fig.notes)}")


def _content_rows(cols: list[Figures], args: argparse.Namespace) -> None:
    first = cols[0]
    _row(
        "runs right (all tokens, in order)",
        [f.ok for f in cols],
        f"= {args.runs}  {_verdict(first.ok == args.runs)}",
        "{:12.0f}",
    )
    _row("peak SSE streams open at once", [f.peak_open for f in cols], fmt="{:12.0f}")
    _row("total wall time (s)", [f.wall_s for f in cols], fmt="{:12.2f}")


def _latency_rows(cols: list[Figures]) -> None:
    rows: list[tuple[str, Callable[[Figures], list[float]], tuple[int, ...]]] = [
        ("token latency emission->client", lambda f: f.token_ms, (50, 90, 99, 100)),
        ("time to first SSE event (run created)", lambda f: f.first_event_ms, (50, 99)),
        ("time to first token", lambda f: f.first_token_ms, (50, 99)),
        ("run start delay (request->1st token)", lambda f: f.start_delay_ms, (50, 99, 100)),
        ("client event-loop lag", lambda f: f.client_lag_ms, (99, 100)),
    ]
    for title, pick, ps in rows:
        for p in ps:
            values = [_percentile(pick(f), p) for f in cols]
            label = "max" if p == 100 else f"p{p}"
            note = _token_note(values[0]) if (title, p) == (rows[0][0], 99) else ""
            _row(f"{title} {label} (ms)", values, note)


def _percentile(values: list[float], p: int) -> float | None:
    return (max(values) if p == 100 else pct(values, p)) if values else None


def _token_note(p99: float | None) -> str:
    target = TARGETS["token_p99_ms"]
    return "" if p99 is None else f"<= {target:g}  {_verdict(p99 <= target)}"


def _resource_rows(cols: list[Figures]) -> None:
    first = cols[0]
    for key in ("n_pending", "n_running"):
        note = f"= 0  {_verdict(first.peak_queue.get(key) == 0)}" if key == "n_pending" else ""
        _row(
            f"peak {key} (/metrics polls)", [f.peak_queue.get(key) for f in cols], note, "{:12.0f}"
        )
    keys = list(dict.fromkeys(k for f in cols for k in f.peak_memory))
    for key in keys:
        fmt = "{:12.0f}" if key == "postgres processes" else "{:12.1f}"
        _row(
            f"peak {key} (MB)" if "processes" not in key else f"peak {key}",
            [f.peak_memory.get(key) for f in cols],
            fmt=fmt,
        )
    peak = total_memory(first.peak_memory)
    _row(
        "peak memory, all processes (MB)",
        [total_memory(f.peak_memory) for f in cols],
        f"< {TARGETS['memory_mb']:g}  {_verdict(peak < TARGETS['memory_mb'])}",
    )
    _row("idle memory, all processes (MB)", [total_memory(f.idle_memory) for f in cols])
    for key in dict.fromkeys(k for f in cols for k in f.cpu_s):
        _row(f"CPU s: {key}", [f.cpu_s.get(key) for f in cols], fmt="{:12.2f}")
    _row("CPU s: all server processes", [_server_cpu(f) for f in cols], fmt="{:12.2f}")


def _server_cpu(fig: Figures) -> float:
    return sum(v for k, v in fig.cpu_s.items() if not k.startswith("client"))


# -- --scale: one executing process against several -------------------------------------


def start_workers(server: Server, count: int, slots: int) -> list[Server]:
    """`duragraph worker` processes on the embedded PostgreSQL and NATS of `server`."""
    from duragraph.infrastructure.embedded import nats, postgres

    data = server.folder / "data"
    urls = ["--database-url", postgres.running_url(data / "postgres") or ""]
    urls += ["--nats-url", nats.running_url(data / "nats") or ""]
    env = _child_env(DURAGRAPH_N_JOBS_PER_WORKER=str(slots))
    found = []
    for i in range(count):
        args = [sys.executable, "-m", "duragraph.cli", "worker", "--config", str(CONFIG), *urls]
        args += ["--log-level", "WARNING"]
        folder = server.folder / f"worker{i + 1}"  # its log; not the dev's data folder
        folder.mkdir()
        found.append(_spawn(folder.name, args, env, server.folder, folder, 0))
    return found


def wait_workers(server: Server, alive: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = httpx.get(f"{server.url}/metrics", params={"format": "json"}).json()["workers"]
        if workers["alive"] >= alive:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{alive} executing processes not alive after {timeout:.0f}s")


def process_cpu(servers: list[Server]) -> float:
    return sum(cpu_of(s).get("server", 0.0) for s in servers)


def scale_case(args: argparse.Namespace, workers: int) -> Figures:
    env = {"DURAGRAPH_N_JOBS_PER_WORKER": str(args.slots)}
    server = start_duragraph(CONFIG, env=env)
    extra: list[Server] = []
    try:
        wait_ready(server)
        extra = start_workers(server, workers - 1, args.slots)
        wait_workers(server, workers)
        print(f"{workers} x {args.slots} slots: {args.runs} runs at once ...", flush=True)
        before = process_cpu(extra)
        fig = run_loop(measure(server, args))
        fig.cpu_s["worker processes"] = process_cpu(extra) - before
    finally:
        for worker in extra:
            stop(worker, keep_folder=True)
        stop(server)
    print(f"{workers} x {args.slots}: {fig.ok}/{fig.runs} right in {fig.wall_s:.1f}s", flush=True)
    return fig


def scale(args: argparse.Namespace) -> None:
    args.runs = args.scale_runs
    one, many = scale_case(args, 1), scale_case(args, args.workers)
    print(
        f"\n== {args.runs} runs at once, {args.tokens} tokens over {args.seconds:g} s each: "
        f"1 vs {args.workers} executing processes of {args.slots} slots =="
    )
    print(f"{'metric':48} {'1 process':>12} {f'{args.workers} procs':>12}{'1/N':>12}")
    _row("runs right", [one.ok, many.ok], fmt="{:12.0f}")
    _row("total wall time (s)", [one.wall_s, many.wall_s], fmt="{:12.2f}")
    rates = [f.runs / f.wall_s for f in (many, one)]
    print(
        f"{'throughput (runs/s), ratio many/one':48} {rates[1]:12.1f} {rates[0]:12.1f}"
        f"{rates[0] / rates[1]:12.2f}  >= 2.7  {_verdict(rates[0] / rates[1] >= 2.7)}"
    )
    _latency_rows([one, many])
    for key in ("n_pending", "n_running"):
        _row(f"peak {key}", [f.peak_queue.get(key) for f in (one, many)], fmt="{:12.0f}")
    for key in dict.fromkeys(k for f in (one, many) for k in f.cpu_s):
        _row(f"CPU s: {key}", [f.cpu_s.get(key) for f in (one, many)], fmt="{:12.2f}")


def main() -> None:
    args = parse_args()
    if args.scale:
        scale(args)
        return
    figures = {"duragraph": run_server("duragraph", args)}
    if not args.no_official:
        figures["official"] = run_server("official", args)
    report(figures, args)


if __name__ == "__main__":
    main()
