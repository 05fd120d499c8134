"""HTTP benchmark: DuraGraph (`duragraph dev`) beside the official `langgraph dev`
server, both driven by the official `langgraph-sdk` async client, in ONE run so
that the ratios are measured side by side on the same (noisy, shared) machine.

    python bench/bench_server.py                      # both servers
    python bench/bench_server.py --no-official        # DuraGraph only
    python bench/bench_server.py --runs 500 --concurrency 8 --samples 100
    git worktree add /tmp/base HEAD~3 && python bench/bench_server.py --baseline-src /tmp/base/src
    python bench/bench_server.py --no-official --auth   # the cost of auth

Measures, on the 1-node `echo` graph of tests/graphs/langgraph.json:
  (17) `runs.wait` latency: sequential, one fresh thread per run (created
       before the clock starts; only the wait call is timed).
  (18) throughput: `runs.create` + `runs.join`, N at a time, one fresh thread
       per run (threads created before the clock starts).
  (18b) the same with each run's thread created inside the clock too
       (`threads.create` + `runs.create` + `runs.join`).
  (19) `runs.stream` first-event latency: from issuing the request to the
       first SSE event (the `metadata` event), sequential, fresh threads.
The official server is taken at its best setting: first each
--official-jobs value of its --n-jobs-per-worker is tried on (18) with
--sweep-runs runs, and the fastest is benchmarked (all are printed). It runs
from the installed `langgraph-api`, as `langgraph dev` runs it
(bench/official_server.py).
The official in-memory server picks runs up by polling (about 1 s per run
whatever the load), so by default it gets fewer samples (--official-samples 50)
and runs (--official-runs 200); the counts used are printed. Also printed:
the resident memory of the DuraGraph process, its nats-server child and
its embedded PostgreSQL, idle (after warm-up) and at the peak of (18)
(sampled every 500 ms: one sample reads every PostgreSQL backend's PSS,
about 6 ms of this process's CPU taken from the servers). The servers stay
up for the whole run and the benchmarks alternate between them; while one is
measured the others are paused (SIGSTOP), so that their idle background work
takes no CPU from it. The client runs on the same machine, so its CPU use is
part of every figure.
With --baseline-src, a second DuraGraph runs that source tree (an earlier
commit) the same way, and the ratios to it are printed too.
With --auth, a second DuraGraph of the same code runs with the built-in API-key
auth (duragraph.auth.api_keys: an authenticate handler on every request, an
owner stamped on every create and an owner filter on every other operation),
its client sending the key, and the ratio of its figures to the first's is
printed: the cost of auth.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from langgraph_sdk import get_client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import (
    Sampler,
    Server,
    config_with_auth,
    cpu_of,
    memory_of,
    paused,
    start_duragraph,
    start_official,
    stop,
    wait_ready,
)

ROOT = Path(__file__).resolve().parents[1]
GRAPH = "echo"
INPUT = {"messages": [{"role": "user", "content": "hello"}]}
AUTH_PATH = "duragraph.auth.api_keys:auth"
API_KEY = "bench-key-4f9c2a"  # the --auth server's one user

TARGETS = {
    "wait_p50": 10.0,
    "wait_p99": 25.0,  # (17) ms, at most
    "throughput": 200.0,
    "ratio": 5.0,  # (18) runs/s and DuraGraph/official, at least
    "stream_p50": 5.0,  # (19) ms, at most
}


@dataclass
class Figures:
    wait_ms: list[float] = field(default_factory=list)
    throughput: float | None = None
    throughput_inside: float | None = None  # (18b): threads created inside the clock
    throughput_runs: int = 0
    throughput_failed: int = 0
    quarter_rates: list[float] = field(default_factory=list)
    cpu_ms_per_run: dict[str, float] = field(default_factory=dict)
    stream_ms: list[float] = field(default_factory=list)
    idle_memory: dict[str, float] = field(default_factory=dict)
    peak_memory: dict[str, float] = field(default_factory=dict)
    startup_s: float = 0.0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=1000, help="runs for (18) on DuraGraph")
    p.add_argument(
        "--official-runs",
        type=int,
        default=200,
        help="runs for (18) on the official server (it is slow: its in-memory "
        "queue polls; default 200)",
    )
    p.add_argument("--concurrency", type=int, default=16, help="runs in flight for (18)")
    p.add_argument("--samples", type=int, default=200, help="samples for (17) and (19)")
    p.add_argument(
        "--official-samples",
        type=int,
        default=50,
        help="samples for (17) and (19) on the official server (~1 s each; default 50)",
    )
    p.add_argument("--warmup", type=int, default=20, help="warm-up runs per server")
    p.add_argument(
        "--official-jobs",
        default="default,2,5,20,50",
        help="the official server's --n-jobs-per-worker values to try (comma-separated; "
        "`default` is its own default); the best (18) throughput is benchmarked",
    )
    p.add_argument(
        "--sweep-runs", type=int, default=150, help="(18) runs per value tried (default 150)"
    )
    p.add_argument("--config", type=Path, default=ROOT / "tests" / "graphs" / "langgraph.json")
    p.add_argument("--no-official", action="store_true", help="skip the official server")
    p.add_argument("--only", choices=["duragraph", "official"], help="benchmark one server only")
    p.add_argument(
        "--baseline-src",
        type=Path,
        help="also benchmark DuraGraph from this source tree (its `src` folder)",
    )
    p.add_argument(
        "--auth",
        action="store_true",
        help="also benchmark the same DuraGraph with the built-in API-key auth",
    )
    return p.parse_args()


# -- the measurements ---------------------------------------------------------------


async def fresh_threads(client: Any, count: int, concurrency: int) -> list[str]:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> str:
        async with gate:
            return (await client.threads.create())["thread_id"]

    return list(await asyncio.gather(*(one() for _ in range(count))))


def echoed(values: Any) -> bool:
    messages = values.get("messages") if isinstance(values, dict) else None
    return bool(messages) and messages[-1].get("content") == "hello"


async def warm_up(client: Any, count: int) -> None:
    for thread_id in await fresh_threads(client, count, 4):
        if not echoed(await client.runs.wait(thread_id, GRAPH, input=INPUT)):
            raise RuntimeError("warm-up run did not echo its input")
        async for _ in client.runs.stream(thread_id, GRAPH, input=INPUT):
            pass


async def wait_latencies(client: Any, samples: int) -> list[float]:
    timings = []
    for thread_id in await fresh_threads(client, samples, 8):
        started = time.perf_counter()
        result = await client.runs.wait(thread_id, GRAPH, input=INPUT)
        timings.append((time.perf_counter() - started) * 1000)
        if not echoed(result):
            raise RuntimeError(f"runs.wait returned {result!r}")
    return timings


async def throughput(
    client: Any, runs: int, concurrency: int, *, threads_inside: bool = False
) -> tuple[float, int, list[float]]:
    """Runs per second for create + join, how many runs did not echo, and the
    rate over each quarter of the runs (in completion order: shows a drift).
    `threads_inside`: each run's thread is created inside the clock too."""
    threads: list[str | None] = (
        [None] * runs if threads_inside else list(await fresh_threads(client, runs, concurrency))
    )
    gate = asyncio.Semaphore(concurrency)
    finished: list[float] = []

    async def one(thread_id: str | None) -> bool:
        async with gate:
            if thread_id is None:
                thread_id = (await client.threads.create())["thread_id"]
            run = await client.runs.create(thread_id, GRAPH, input=INPUT)
            ok = echoed(await client.runs.join(thread_id, run["run_id"]))
            finished.append(time.perf_counter())
            return ok

    started = time.perf_counter()
    ok = await asyncio.gather(*(one(t) for t in threads))
    elapsed = time.perf_counter() - started
    return runs / elapsed, ok.count(False), quarter_rates(started, finished)


def quarter_rates(started: float, finished: list[float]) -> list[float]:
    edges = [started] + [finished[len(finished) * q // 4 - 1] for q in (1, 2, 3, 4)]
    counts = [len(finished) * q // 4 - len(finished) * (q - 1) // 4 for q in (1, 2, 3, 4)]
    return [
        n / (b - a) if b > a else 0.0 for n, a, b in zip(counts, edges, edges[1:], strict=False)
    ]


async def first_event_latencies(client: Any, samples: int) -> list[float]:
    timings = []
    for thread_id in await fresh_threads(client, samples, 8):
        stream = client.runs.stream(thread_id, GRAPH, input=INPUT, stream_mode="values")
        started = time.perf_counter()
        first = await anext(stream)
        timings.append((time.perf_counter() - started) * 1000)
        async for _ in stream:  # drain outside the clock, so the run ends
            pass
        if not getattr(first, "event", None):
            raise RuntimeError(f"first stream part has no event: {first!r}")
    return timings


class PeakSampler(Sampler):
    """Samples memory_of(server) every 500 ms on a thread; keeps the max of each."""

    def __init__(self, server: Server) -> None:
        super().__init__(0.5)
        self.server, self.peak = server, {}

    def sample(self) -> None:
        for key, value in memory_of(self.server).items():
            self.peak[key] = max(value, self.peak.get(key, 0.0))


# -- orchestration ---------------------------------------------------------------------


def best_official_jobs(args: argparse.Namespace) -> int | None:
    """Each --official-jobs value tried in turn, on (18) with --sweep-runs runs;
    the fastest wins. Prints every figure, and which was used."""
    rates: dict[int | None, float] = {}
    for value in args.official_jobs.split(","):
        jobs = None if value.strip() == "default" else int(value)
        server = start_official(args.config, jobs)
        try:
            wait_ready(server)
            client = get_client(url=server.url, timeout=120)
            rates[jobs] = asyncio.run(_sweep(client, args))
        finally:
            stop(server)
        print(f"official --n-jobs-per-worker {value.strip()}: {rates[jobs]:.1f} runs/s", flush=True)
    best = max(rates, key=lambda jobs: rates[jobs])
    print(f"official: benchmarked with --n-jobs-per-worker {best or 'default'}", flush=True)
    return best


async def _sweep(client: Any, args: argparse.Namespace) -> float:
    await warm_up(client, 5)
    rate, _bad, _quarters = await throughput(client, args.sweep_runs, args.concurrency)
    return rate


def start_servers(args: argparse.Namespace) -> dict[str, Server]:
    wanted = (
        [args.only] if args.only else ["duragraph"] + ([] if args.no_official else ["official"])
    )
    if args.baseline_src and not args.only:
        wanted.insert(1, "baseline")
    if args.auth and args.only != "official":
        wanted.insert(1, "auth")
    servers: dict[str, Server] = {}
    try:
        for name in wanted:
            print(f"starting {name} ...", flush=True)
            if name == "official":
                servers[name] = start_official(args.config, args.jobs)
            elif name == "auth":
                servers[name] = start_duragraph(
                    config_with_auth(args.config, AUTH_PATH),
                    name=name,
                    env={"DURAGRAPH_API_KEYS": f"{API_KEY}=bench"},
                )
            else:
                servers[name] = start_duragraph(
                    args.config, name=name, src=args.baseline_src if name == "baseline" else None
                )
    except BaseException:
        stop_all(servers)
        raise
    return servers


def stop_all(servers: dict[str, Server]) -> None:
    for server in servers.values():
        stop(server)


async def run_all(args: argparse.Namespace, servers: dict[str, Server]) -> dict[str, Figures]:
    figures = {name: Figures() for name in servers}
    clients = {
        name: get_client(url=s.url, timeout=120, api_key=API_KEY if name == "auth" else None)
        for name, s in servers.items()
    }
    for name, server in servers.items():
        figures[name].startup_s = await asyncio.to_thread(wait_ready, server)
        await warm_up(clients[name], args.warmup)
        await asyncio.sleep(1)
        figures[name].idle_memory = memory_of(server)
        print(f"{name}: ready in {figures[name].startup_s:.1f}s, warmed up", flush=True)
    await _phase(
        "(17) runs.wait", servers, lambda n: _wait(clients[n], figures[n], _samples_for(n, args))
    )
    await _phase(
        "(18) create+join",
        servers,
        lambda n: _load(clients[n], figures[n], servers[n], _runs_for(n, args), args),
    )
    await _phase(
        "(18b) create thread+run+join",
        servers,
        lambda n: _load_inside(clients[n], figures[n], _runs_for(n, args), args),
    )
    await _phase(
        "(19) stream first event",
        servers,
        lambda n: _stream(clients[n], figures[n], _samples_for(n, args)),
    )
    return figures


async def _phase(title: str, servers: dict[str, Server], body: Callable[[str], Any]) -> None:
    for name in servers:
        print(f"{title} on {name} ...", flush=True)
        with paused([s for other, s in servers.items() if other != name]):
            await body(name)


def _runs_for(name: str, args: argparse.Namespace) -> int:
    return min(args.official_runs, args.runs) if name == "official" else args.runs


def _samples_for(name: str, args: argparse.Namespace) -> int:
    return min(args.official_samples, args.samples) if name == "official" else args.samples


async def _wait(client: Any, fig: Figures, samples: int) -> None:
    fig.wait_ms = await wait_latencies(client, samples)


async def _load(
    client: Any, fig: Figures, server: Server, runs: int, args: argparse.Namespace
) -> None:
    before = cpu_of(server)
    with PeakSampler(server) as sampler:
        fig.throughput, fig.throughput_failed, fig.quarter_rates = await throughput(
            client, runs, args.concurrency
        )
    after = cpu_of(server)
    fig.throughput_runs, fig.peak_memory = runs, sampler.peak
    # thread creation before the clock is included: it is a small share.
    fig.cpu_ms_per_run = {k: (after[k] - before.get(k, 0.0)) * 1000 / runs for k in after}


async def _load_inside(client: Any, fig: Figures, runs: int, args: argparse.Namespace) -> None:
    fig.throughput_inside, _bad, _quarters = await throughput(
        client, runs, args.concurrency, threads_inside=True
    )


async def _stream(client: Any, fig: Figures, samples: int) -> None:
    fig.stream_ms = await first_event_latencies(client, samples)


# -- report ------------------------------------------------------------------------------


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(figures: dict[str, Figures], args: argparse.Namespace) -> None:
    cols = list(figures.values())
    print(
        f"\n== {' vs '.join(TITLES[n] for n in figures)}: graph `{GRAPH}`, "
        f"concurrency {args.concurrency} =="
    )
    print(f"{'metric':44} " + " ".join(f"{TITLES[n]:>11}" for n in figures) + "  target")
    counts = " ".join(f"{len(f.wait_ms):>11}" for f in cols)
    print(f"{'samples for (17) and (19)':44} {counts}")
    _latency_rows(
        "(17) runs.wait",
        lambda f: f.wait_ms,
        (50, 90, 99),
        cols,
        {50: TARGETS["wait_p50"], 99: TARGETS["wait_p99"]},
    )
    _throughput_rows(figures)
    _latency_rows(
        "(19) runs.stream first event",
        lambda f: f.stream_ms,
        (50, 99),
        cols,
        {50: TARGETS["stream_p50"]},
    )
    _auth_rows(figures)
    for name, fig in figures.items():
        _memory_rows(name, fig)


TITLES = {
    "duragraph": "DuraGraph",
    "auth": "with auth",
    "baseline": "baseline",
    "official": "official",
}


def _cell(value: float | None, fmt: str = "{:11.1f}") -> str:
    return fmt.format(value) if value is not None else f"{'-':>11}"


def _latency_rows(
    title: str,
    pick: Callable[[Figures], list[float]],
    ps: tuple[int, ...],
    cols: list[Figures],
    targets: dict[int, float],
) -> None:
    for p in ps:
        values = [pct(pick(f), p) if pick(f) else None for f in cols]
        target, note = targets.get(p), ""
        if target is not None and values[0] is not None:
            note = f"<= {target:g} ms  {verdict(values[0] <= target)}"
        print(f"{title + f' p{p} (ms)':44} {' '.join(_cell(v) for v in values)}  {note}")


def _throughput_rows(figures: dict[str, Figures]) -> None:
    cols = list(figures.values())
    first = cols[0].throughput
    note = (
        f">= {TARGETS['throughput']:g} runs/s  {verdict(first >= TARGETS['throughput'])}"
        if first
        else ""
    )
    print(
        f"{'(18) create+join throughput (runs/s)':44} "
        f"{' '.join(_cell(f.throughput) for f in cols)}  {note}"
    )
    counts = " ".join(f"{f'{f.throughput_runs} ({f.throughput_failed} bad)':>11}" for f in cols)
    print(f"{'(18) runs measured (runs not echoing)':44} {counts}")
    quarters = " ".join(f"{'/'.join(f'{r:.0f}' for r in f.quarter_rates):>11}" for f in cols)
    print(f"{'(18) runs/s per quarter of the runs':44} {quarters}")
    print(
        f"{'(18b) thread+run+join, threads in the clock':44} "
        f"{' '.join(_cell(f.throughput_inside) for f in cols)}"
    )
    for other in ("baseline", "official"):
        for label, pick in (("(18)", "throughput"), ("(18b)", "throughput_inside")):
            ours, theirs = getattr(cols[0], pick), getattr(figures.get(other), pick, None)
            if not (ours and theirs):
                continue
            ratio = ours / theirs
            note = (
                f">= {TARGETS['ratio']:g}x  {verdict(ratio >= TARGETS['ratio'])}"
                if other == "official"
                else ""
            )
            print(f"{f'{label} ratio DuraGraph/{other}':44} {ratio:11.2f}  {note}")


def _auth_rows(figures: dict[str, Figures]) -> None:
    """The cost of auth: the same code with and without it, side by side."""
    plain, auth = figures.get("duragraph"), figures.get("auth")
    if not (plain and auth and plain.throughput and auth.throughput):
        return
    ratio = auth.throughput / plain.throughput
    print(
        f"{'with auth / without: (18) runs/s':44} {ratio:11.2f}  "
        f"auth costs {(1 - ratio) * 100:.1f}% of throughput"
    )
    for title, pick in (("(17) wait p50", "wait_ms"), ("(19) first event p50", "stream_ms")):
        with_auth, without = getattr(auth, pick), getattr(plain, pick)
        if with_auth and without:
            ratio = pct(with_auth, 50) / pct(without, 50)
            print(f"{'with auth / without: ' + title:44} {ratio:11.2f}")


def _memory_rows(name: str, fig: Figures) -> None:
    print(
        f"\n-- memory of {name} (MB; idle after warm-up / peak during (18), sampled every 500 ms)"
    )
    for key in dict.fromkeys([*fig.idle_memory, *fig.peak_memory]):
        idle, peak = fig.idle_memory.get(key), fig.peak_memory.get(key)
        fmt = "{:11.0f}" if key == "postgres processes" else "{:11.1f}"
        print(f"{key:44} {_cell(idle, fmt)} {_cell(peak, fmt)}")
    if fig.cpu_ms_per_run:
        print(
            f"-- CPU ms per run during (18) on {name} (incl. creating its thread; "
            f"2 cores = 2000 ms/s in all)"
        )
        for key, value in fig.cpu_ms_per_run.items():
            print(f"{key:44} {value:11.2f}")


def main() -> None:
    args = parse_args()
    official = not args.no_official and args.only != "duragraph"
    args.jobs = best_official_jobs(args) if official else None
    servers = start_servers(args)
    try:
        figures = asyncio.run(run_all(args, servers))
    finally:
        print("stopping servers ...", flush=True)
        stop_all(servers)
    report(figures, args)
    for name, server in servers.items():
        if server.notes:
            print(f"{name}: {'; '.join(server.notes)}")


if __name__ == "__main__":
    main()
