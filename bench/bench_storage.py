"""Storage of a long chat thread (issue 15, item 3): the bytes each turn writes
to PostgreSQL and the time to read the thread's state as it grows, DuraGraph
beside LangGraph's own `AsyncPostgresSaver`, on the same graph and the same
PostgreSQL server, in ONE run.

    python bench/bench_storage.py                  # 200 turns, 20 reads
    python bench/bench_storage.py --turns 5        # a smoke run
    python bench/bench_storage.py --only duragraph --turns 50

The graph: `chat_turns` of bench/graphs/langgraph.json (MessagesState, one
node answering with a fake chat model, about 40 words per reply). One thread,
--turns turns, each one new human message:
  - DuraGraph in split mode, `duragraph serve` + `duragraph worker` on the
    machine's PostgreSQL (--pg-url) and NATS (--nats-url), in a fresh database
    created and dropped by this script, with a fresh NATS prefix; turns go
    through the official `langgraph_sdk` client (`runs.wait` on one thread).
    Split mode, not `dev`: `dev` always runs its embedded PostgreSQL, while the
    point is the same PostgreSQL for both stores.
  - `AsyncPostgresSaver` (langgraph-checkpoint-postgres), in this process,
    on another fresh database of the same server: `graph.ainvoke` per turn.

Bytes are measured per database, so other work on the shared server does not
count:
  - on disk: the growth of `pg_total_relation_size` (table, TOAST and
    indexes) summed over the database's tables, read after every turn (page
    granular: 8 kB steps, so its median per turn is coarse; total/turns is not);
  - WAL: every WAL record between two turns is read back with pg_walinspect
    (`pg_get_wal_records_info`) and counted for this database when its block
    reference names a relation of it (record length, full-page images
    included), or when its transaction wrote such a record (commits); records
    of other databases are left out. The cluster-wide LSN difference, which
    includes them, is printed as well. A turn's window runs from the end of
    the turn before to the end of this one, so background work (heartbeats,
    the outbox relay, autovacuum) lands in the window it happens in; the
    background rate with no turn running is printed (idle WAL bytes/s), and
    the last window includes --settle seconds after the last turn.
Both are split per table (the table's data and TOAST, and its indexes).
No CHECKPOINT is forced (full-page images after the server's own checkpoints
count where they fall).

State reads: after turn 1 and after the last turn, --reads reads of the
thread's state (DuraGraph: `threads.get_state`, GET /threads/{id}/state over
HTTP; AsyncPostgresSaver: `graph.aget_state` in process), median ms, and the
ratio last/first for each (the target: at most 2x).

Retention (`--keep-last N`, default 10; 0 leaves it out): a third run, DuraGraph
with `checkpointer.retention: {"keep_last": N}` swept every 3 s, measured the
same way (pruning runs between turns, the space it frees is reused); after the
last turn it waits for the sweep, then runs `duragraph events archive
--older-than 0` against the running servers, and prints the live row bytes
(sum of `pg_column_size` of every row: what is kept, whatever the files hold)
before and after, the rows of `events` and `checkpoints`, the archive's size
and the state read after archival.

Prints: bytes per turn (median, total/turns) of each store and the ratio
DuraGraph/AsyncPostgresSaver; the per-table split; DuraGraph's events by
type (rows and stored bytes per turn); the state read times; the retention
figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

import psycopg
from langgraph_sdk import get_client

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "graphs"))
from servers import Server, _child_env, _spawn, free_port, stop, wait_ready  # noqa: E402

CONFIG = HERE / "graphs" / "langgraph.json"
CLI = [sys.executable, "-m", "duragraph.cli"]
GRAPH = "chat_turns"
KB = 1024
STORES = ("duragraph", "postgressaver", "retention")
LABELS = {
    "duragraph": "DuraGraph",
    "postgressaver": "AsyncPostgresSaver",
    "retention": "DG keep_last",
}
# The tables of each store grouped for the split (others: "other").
GROUPS = {
    "events": "events",
    "checkpoints": "checkpoints",
    "checkpoint_writes": "checkpoints",
    "checkpoint_blobs": "checkpoints",
    "outbox": "outbox",
    "threads": "projections",
    "runs": "projections",
    "assistants": "projections",
    "assistant_versions": "projections",
    "thread_ttl": "projections",
    "crons": "projections",
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--turns", type=int, default=200, help="turns on the thread (default 200)")
    p.add_argument(
        "--reads", type=int, default=20, help="state reads after the first and last turn"
    )
    p.add_argument(
        "--idle", type=float, default=5.0, help="seconds of idle WAL measured before turn 1"
    )
    p.add_argument("--settle", type=float, default=2.0, help="seconds counted after the last turn")
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    p.add_argument("--only", choices=STORES, help="measure one store only")
    p.add_argument(
        "--keep-last",
        type=int,
        default=10,
        help="checkpoints kept per thread in the retention run (default 10; 0: no such run)",
    )
    p.add_argument(
        "--archive-at",
        type=int,
        help="retention run: the turn after which events are archived (default 3/4 of --turns)",
    )
    args = p.parse_args()
    if args.archive_at is None:
        args.archive_at = max(1, args.turns * 3 // 4)
    return args


# -- a fresh database --------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL at `server_url`, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield psycopg.conninfo.make_conninfo(server_url, dbname=name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# -- the meter: sizes and WAL of one database ----------------------------------------

SIZES = """
SELECT c.relname, pg_total_relation_size(c.oid),
       coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),
       pg_indexes_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
"""

# The relation a WAL record's first block in database %(db)s belongs to.
WAL = r"""
SELECT xid::text::bigint, record_length,
       (regexp_match(block_ref, 'rel \d+/' || %(db)s || '/(\d+)'))[1]::bigint
FROM pg_get_wal_records_info(%(start)s::pg_lsn, %(end)s::pg_lsn)
"""

RELATIONS = """
SELECT pg_relation_filenode(c.oid), c.oid, c.relname, c.relkind, n.nspname,
       coalesce(i.indrelid, 0), coalesce(t.oid, 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = c.oid
LEFT JOIN pg_class t ON t.reltoastrelid = c.oid
WHERE pg_relation_filenode(c.oid) IS NOT NULL
"""


@dataclass
class Window:
    """The WAL of one window: bytes per relation file node of this database
    (None: records of its transactions without a block, commits mostly)."""

    by_node: Counter = field(default_factory=Counter)
    cluster: int = 0  # the LSN difference: every database

    @property
    def ours(self) -> int:
        return sum(self.by_node.values())


class Meter:
    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self.db_oid = 0
        self.lsn = ""
        self.xids: set[int] = set()
        self.slot = f"bench_storage_{uuid.uuid4().hex[:12]}"

    async def open(self) -> None:
        self.conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        await self.conn.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
        row = await self._one("SELECT oid FROM pg_database WHERE datname = current_database()")
        self.db_oid = row[0]
        # A temporary slot holds the WAL from here until read: other databases'
        # load could otherwise recycle a segment before a window reads it.
        await self._one("SELECT pg_create_physical_replication_slot(%s, true, true)", (self.slot,))
        self.lsn = (await self._one("SELECT pg_current_wal_flush_lsn()::text"))[0]

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()

    async def _one(self, sql: str, params: Any = None) -> Any:
        assert self.conn is not None
        return await (await self.conn.execute(sql, params)).fetchone()

    async def _all(self, sql: str, params: Any = None) -> list[Any]:
        assert self.conn is not None
        return await (await self.conn.execute(sql, params)).fetchall()

    async def sizes(self) -> dict[str, tuple[int, int, int]]:
        """Per table: (data with FSM and VM, TOAST, indexes) bytes on disk."""
        rows = await self._all(SIZES)
        return {name: (total - toast - index, toast, index) for name, total, toast, index in rows}

    async def live(self) -> dict[str, tuple[int, int]]:
        """Per table of the store: (rows, bytes of those rows) as they stand."""
        found = {}
        for table in await self.live_tables():
            row = await self._one(
                f'SELECT count(*), coalesce(sum(pg_column_size(t.*)), 0) FROM "{table}" t'
            )
            found[table] = (row[0], int(row[1]))
        return found

    async def event_types(self) -> dict[str, tuple[int, int, int]]:
        """DuraGraph's events by type: (rows, stored bytes of `data`, of the
        row): what each kind of event costs (pg_column_size: compressed or not,
        as stored)."""
        if "events" not in await self.live_tables():
            return {}
        rows = await self._all(
            "SELECT type, count(*), sum(pg_column_size(data)), sum(pg_column_size(e.*)) "
            "FROM events e GROUP BY type"
        )
        return {t: (n, int(data), int(row)) for t, n, data, row in rows}

    async def live_tables(self) -> set[str]:
        rows = await self._all(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'public'"
        )
        return {r[0] for r in rows}

    async def skip(self) -> None:
        """The next window starts now."""
        self.lsn = (await self._one("SELECT pg_current_wal_flush_lsn()::text"))[0]
        await self._release()

    async def _release(self) -> None:
        """The WAL before the next window may go."""
        await self._one("SELECT pg_replication_slot_advance(%s, %s::pg_lsn)", (self.slot, self.lsn))

    async def window(self) -> Window:
        """The WAL since the last call."""
        end = (await self._one("SELECT pg_current_wal_flush_lsn()::text"))[0]
        start, self.lsn = self.lsn, end
        diff = await self._one("SELECT %s::pg_lsn - %s::pg_lsn", (end, start))
        found = Window(cluster=int(diff[0]))
        if end == start:
            return found
        for xid, length, node in await self._all(
            WAL, {"db": str(self.db_oid), "start": start, "end": end}
        ):
            if node is not None:
                found.by_node[node] += length
                if xid:
                    self.xids.add(xid)
            elif xid in self.xids:
                found.by_node[None] += length
        await self._release()
        return found

    async def names(self) -> dict[int | None, tuple[str, str]]:
        """File node -> (table, part): part "data", "toast" or "index"; system
        catalogs (statistics, vacuum) as one table "(catalogs)"."""
        rows = await self._all(RELATIONS)
        by_oid = {
            oid: (name, kind, nsp, indrel, owner) for _, oid, name, kind, nsp, indrel, owner in rows
        }
        found: dict[int | None, tuple[str, str]] = {None: ("(commits)", "data")}
        for node, oid, *_ in rows:
            found[node] = _owner(by_oid, oid)
        return found


def _owner(by_oid: dict[int, tuple], oid: int) -> tuple[str, str]:
    name, kind, nsp, indrel, owner = by_oid[oid]
    part = "data"
    if kind == "i" and indrel in by_oid:
        part = "index"
        name, kind, nsp, indrel, owner = by_oid[indrel]
    if kind == "t" and owner in by_oid:
        part = "toast" if part == "data" else "index"
        name, kind, nsp, indrel, owner = by_oid[owner]
    if nsp in ("pg_catalog", "pg_toast", "information_schema"):
        return "(catalogs)", part
    return name, part


# -- one store's measurement ---------------------------------------------------------


@dataclass
class Figures:
    wal: list[int] = field(default_factory=list)  # our database, per turn
    cluster: list[int] = field(default_factory=list)  # every database, per turn
    disk: list[int] = field(default_factory=list)  # growth on disk, per turn
    idle_wal_per_s: float = 0.0
    wal_split: Counter = field(default_factory=Counter)  # (table, part) -> bytes
    disk_split: Counter = field(default_factory=Counter)  # (table, part) -> bytes
    read_first_ms: float = 0.0
    read_last_ms: float = 0.0
    messages: int = 0
    live: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (rows, bytes)
    event_types: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    retention: Retention | None = None


@dataclass
class Retention:
    """The retention run after its last turn: before and after archival."""

    pruned_live: dict[str, tuple[int, int]]
    archived_live: dict[str, tuple[int, int]]
    archived: int
    archive_bytes: int
    archive_s: float
    disk_before: int  # the database on disk before archival, and after it and VACUUM
    disk_after: int


def human(turn: int) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "human", "content": f"Question {turn}: what should we look at next, and why?"}
        ]
    }


async def read_ms(read: Callable[[], Awaitable[Any]], reads: int) -> float:
    times = []
    for _ in range(reads):
        started = time.perf_counter()
        await read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def measure(
    meter: Meter,
    turn: Callable[[int], Awaitable[Any]],
    read: Callable[[], Awaitable[Any]],
    args: argparse.Namespace,
    between: Callable[[int], Awaitable[None]] | None = None,
) -> Figures:
    """`between(i)` runs after turn i's window closes and is left out of every
    window (archival: not a cost of any turn)."""
    figures = Figures()
    await meter.window()
    await asyncio.sleep(args.idle)
    figures.idle_wal_per_s = (await meter.window()).ours / args.idle
    before = await meter.sizes()
    nodes: Counter = Counter()
    for i in range(1, args.turns + 1):
        await turn(i)
        if i == args.turns:
            await asyncio.sleep(args.settle)
        window, after = await meter.window(), await meter.sizes()
        figures.wal.append(window.ours)
        figures.cluster.append(window.cluster)
        figures.disk.append(_total(after) - _total(before))
        nodes.update(window.by_node)
        figures.disk_split.update(_growth(before, after))
        before = after
        if between is not None:
            await between(i)
            await meter.skip()
            before = await meter.sizes()
        if i == 1:
            figures.read_first_ms = await read_ms(read, args.reads)
    figures.read_last_ms = await read_ms(read, args.reads)
    figures.live = await meter.live()
    figures.event_types = await meter.event_types()
    names = await meter.names()
    for node, size in nodes.items():
        figures.wal_split[names.get(node, ("(dropped)", "data"))] += size
    return figures


def _total(sizes: dict[str, tuple[int, int, int]]) -> int:
    return sum(sum(parts) for parts in sizes.values())


def _growth(start: dict, end: dict) -> Counter:
    found: Counter = Counter()
    for table, parts in end.items():
        for part, size, was in zip(
            ("data", "toast", "index"), parts, start.get(table, (0, 0, 0)), strict=True
        ):
            found[(table, part)] += size - was
    return found


# -- DuraGraph: serve + worker on the machine's PostgreSQL and NATS -----------------


@contextlib.asynccontextmanager
async def duragraph(
    database_url: str, nats_url: str, config: Path = CONFIG
) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """The API's URL and the processes' environment."""
    folder = Path(tempfile.mkdtemp(prefix="dg-bench-storage-"))
    port = free_port()
    env = _child_env(
        DURAGRAPH_DATABASE_URL=database_url,
        DURAGRAPH_NATS_URL=nats_url,
        DURAGRAPH_NATS_PREFIX=f"dgbenchstorage{uuid.uuid4().hex[:8]}",
        DURAGRAPH_PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    common = ["--config", str(config), "--log-level", "WARNING"]
    serve = CLI + ["serve", "--host", "127.0.0.1", "--port", str(port), *common]
    servers: list[Server] = []
    try:
        servers.append(_spawn("serve", serve, env, folder, folder, port))
        wait_ready(servers[0])  # the schema is migrated before the worker starts
        servers.append(_spawn("worker", CLI + ["worker", *common], env, folder, folder, port))
        yield servers[0].url, env
    finally:
        for server in reversed(servers):
            stop(server, keep_folder=True)
        shutil.rmtree(folder, ignore_errors=True)


def retention_config(folder: Path, keep_last: int) -> Path:
    """CONFIG with a retention policy swept every 3 s."""
    graphs = HERE / "graphs"
    project = {
        "dependencies": [str(graphs)],
        "graphs": {GRAPH: f"{graphs / 'chat_turns.py'}:graph"},
        "checkpointer": {
            "ttl": {"sweep_interval_minutes": 0.05},
            "retention": {"keep_last": keep_last},
        },
    }
    path = folder / "langgraph.json"
    path.write_text(json.dumps(project))
    return path


async def run_duragraph(args: argparse.Namespace) -> Figures:
    with fresh_database(args.pg_url, "dg_bench_storage") as url:
        async with duragraph(url, args.nats_url) as (api, _):
            return await chat(url, api, args)


async def run_retention(args: argparse.Namespace) -> Figures:
    with (
        fresh_database(args.pg_url, "dg_bench_storage_kept") as url,
        tempfile.TemporaryDirectory(prefix="dg-bench-retention-") as folder,
    ):
        config = retention_config(Path(folder), args.keep_last)
        async with duragraph(url, args.nats_url, config) as (api, env):
            archived: list[Retention] = []

            async def after(i: int) -> None:
                if i in (args.archive_at, args.turns):
                    await until_pruned(url, args.keep_last)

            async def between(i: int) -> None:
                if i == args.archive_at:
                    archived.append(await archive(url, env, Path(folder) / "archive.jsonl.gz"))

            figures = await chat(url, api, args, after, between)
            figures.retention = archived[0] if archived else None
    return figures


async def chat(
    url: str,
    api: str,
    args: argparse.Namespace,
    after: Callable[[int], Awaitable[None]] | None = None,
    between: Callable[[int], Awaitable[None]] | None = None,
) -> Figures:
    """The turns through the SDK; `after` runs after each turn, in its
    window, `between` outside (see measure)."""
    client = get_client(url=api)
    thread = (await client.threads.create())["thread_id"]
    await client.runs.wait(None, GRAPH, input=human(0))  # warm the worker (no thread)

    async def turn(i: int) -> None:
        await client.runs.wait(thread, GRAPH, input=human(i))
        if after is not None:
            await after(i)

    async def read() -> Any:
        return await client.threads.get_state(thread)

    figures = await metered(url, turn, read, args, between)
    figures.messages = len((await read())["values"]["messages"])
    return figures


async def until_pruned(url: str, keep_last: int, timeout: float = 60) -> None:
    """Until the sweep has left `keep_last` checkpoints."""
    deadline = time.monotonic() + timeout
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = await (await conn.execute("SELECT count(*) FROM checkpoints")).fetchone()
            if row and row[0] <= keep_last:
                return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the sweep did not prune to {keep_last} checkpoints in {timeout} s")


async def archive(url: str, env: dict[str, str], path: Path) -> Retention:
    """`duragraph events archive --older-than 0` beside the running servers,
    then a plain (online) VACUUM, so that later turns reuse the space."""
    meter = Meter(url)
    await meter.open()
    try:
        before, disk_before = await meter.live(), _total(await meter.sizes())
        started = time.perf_counter()
        done = await asyncio.create_subprocess_exec(
            *CLI, "events", "archive", "--older-than", "0", "--to", str(path),
            env={**env, "DURAGRAPH_DATABASE_URL": url},
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await done.communicate()
        archive_s = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"events archive failed ({done.returncode})")
        assert meter.conn is not None
        await meter.conn.execute("VACUUM")
        return Retention(
            pruned_live=before,
            archived_live=await meter.live(),
            archived=int(out.split()[1]),
            archive_bytes=await asyncio.to_thread(os.path.getsize, path),
            archive_s=archive_s,
            disk_before=disk_before,
            disk_after=_total(await meter.sizes()),
        )
    finally:
        await meter.close()


async def metered(
    url: str,
    turn: Callable[[int], Awaitable[Any]],
    read: Callable[[], Awaitable[Any]],
    args: argparse.Namespace,
    between: Callable[[int], Awaitable[None]] | None = None,
) -> Figures:
    """`measure` with a meter on the store's database."""
    meter = Meter(url)
    await meter.open()
    try:
        return await measure(meter, turn, read, args, between)
    finally:
        await meter.close()


# -- AsyncPostgresSaver in this process -------------------------------------------------


async def run_postgressaver(args: argparse.Namespace) -> Figures:
    from chat_turns import builder
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    with fresh_database(args.pg_url, "dg_bench_storage_lg") as url:
        async with AsyncPostgresSaver.from_conn_string(url) as saver:
            await saver.setup()
            graph = builder.compile(checkpointer=saver)
            config = {"configurable": {"thread_id": str(uuid.uuid4())}}
            await graph.ainvoke(human(0), {"configurable": {"thread_id": "warm-up"}})

            async def turn(i: int) -> None:
                await graph.ainvoke(human(i), config)

            async def read() -> Any:
                return await graph.aget_state(config)

            figures = await metered(url, turn, read, args)
            figures.messages = len((await read()).values["messages"])
    return figures


# -- the table ---------------------------------------------------------------------------


def kb(n: float) -> str:
    return f"{n / KB:,.1f}"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "-"


def live_bytes(live: dict[str, tuple[int, int]]) -> int:
    return sum(size for _, size in live.values())


def print_summary(found: dict[str, Figures], turns: int, since: int) -> None:
    names = [s for s in STORES if s in found]
    pair = "duragraph" in found and "postgressaver" in found
    cols = [LABELS[s] for s in names] + (["DG/PG"] if pair else [])
    print(f"\n{turns} turns on one thread          " + "".join(f"{c:>20}" for c in cols))
    rows: list[tuple[str, Callable[[Figures], float], Callable[[float], str]]] = [
        ("WAL kB/turn, median", lambda f: statistics.median(f.wal), kb),
        ("WAL kB/turn, total/turns", lambda f: sum(f.wal) / turns, kb),
        ("WAL kB, turn 1", lambda f: f.wal[0], kb),
        (f"WAL kB, turn {max(turns - 1, 1)}", lambda f: f.wal[max(turns - 2, 0)], kb),
        ("disk kB/turn, median", lambda f: statistics.median(f.disk), kb),
        ("disk kB/turn, total/turns", lambda f: sum(f.disk) / turns, kb),
        (
            f"disk kB/turn, turns {since + 1}-{turns}",
            lambda f: sum(f.disk[since:]) / max(turns - since, 1),
            kb,
        ),
        ("idle WAL kB/s (background)", lambda f: f.idle_wal_per_s, kb),
        ("cluster WAL kB/turn, median", lambda f: statistics.median(f.cluster), kb),
        ("state read ms, turn 1", lambda f: f.read_first_ms, lambda v: f"{v:.2f}"),
        (f"state read ms, turn {turns}", lambda f: f.read_last_ms, lambda v: f"{v:.2f}"),
        ("state read, last/first", lambda f: f.read_last_ms / f.read_first_ms, "{:.2f}x".format),
        ("messages in the state", lambda f: f.messages, "{:.0f}".format),
        ("live row kB, all tables", lambda f: live_bytes(f.live), kb),
        ("live row kB/turn", lambda f: live_bytes(f.live) / turns, kb),
    ]
    for label, get, fmt in rows:
        values = [get(found[s]) for s in names]
        cells = [fmt(v) for v in values]
        if pair:
            cells.append(ratio(get(found["duragraph"]), get(found["postgressaver"])))
        print(f"{label:<32}" + "".join(f"{c:>20}" for c in cells))


def print_split(name: str, figures: Figures, turns: int) -> None:
    """Per table, kB per turn (total/turns): on disk and in the WAL, each as
    data (heap, FSM, VM), TOAST and indexes."""
    tables = {t for t, _ in figures.wal_split} | {t for t, _ in figures.disk_split}
    heads = ["disk data", "disk toast", "disk index", "WAL data", "WAL toast", "WAL index"]
    print(f"\n{LABELS[name]}: kB per turn by table (total/turns)")
    print(f"{'group':<13}{'table':<22}" + "".join(f"{h:>12}" for h in heads))
    rows = []
    for table in tables:
        disk = [figures.disk_split[(table, p)] for p in ("data", "toast", "index")]
        wal = [figures.wal_split[(table, p)] for p in ("data", "toast", "index")]
        rows.append((GROUPS.get(table, "other"), table, disk + wal))
    for group, table, cells in sorted(rows, key=lambda r: -sum(r[2])):
        if any(cells):
            print(f"{group:<13}{table:<22}" + "".join(f"{kb(c / turns):>12}" for c in cells))
    totals = [sum(cells[i] for *_, cells in rows) for i in range(len(heads))]
    print(f"{'total':<35}" + "".join(f"{kb(c / turns):>12}" for c in totals))


def print_event_types(name: str, figures: Figures, turns: int) -> None:
    """Per event type: rows and stored bytes per turn (live rows at the end)."""
    if not figures.event_types:
        return
    print(f"\n{LABELS[name]}: events by type, per turn (live rows at the end)")
    print(f"{'type':<35}{'rows':>12}{'data B':>12}{'row B':>12}")
    found = sorted(figures.event_types.items(), key=lambda kv: -kv[1][2])
    for type_, (rows, data, row) in found:
        print(f"{type_:<35}" + "".join(f"{v / turns:>12,.1f}" for v in (rows, data, row)))
    totals = [sum(v[i] for _, v in found) / turns for i in range(3)]
    print(f"{'total':<35}" + "".join(f"{v:>12,.1f}" for v in totals))


def print_retention(figures: Figures, args: argparse.Namespace) -> None:
    """Rows and live bytes after pruning, then after `events archive`."""
    kept = figures.retention
    if kept is None:
        return
    print(
        f"\nRetention: keep_last={args.keep_last}; after turn {args.archive_at}, "
        "`duragraph events archive --older-than 0` and VACUUM"
    )
    print(f"{'':<32}{'pruned':>20}{'pruned + archived':>20}")
    for table in ("events", "checkpoints", "checkpoint_writes"):
        before, after = kept.pruned_live.get(table, (0, 0)), kept.archived_live.get(table, (0, 0))
        print(f"{table + ' rows':<32}{before[0]:>20,}{after[0]:>20,}")
        print(f"{table + ' live kB':<32}{kb(before[1]):>20}{kb(after[1]):>20}")
    per_turn = [live_bytes(kept.pruned_live) / args.archive_at]
    per_turn.append(live_bytes(kept.archived_live) / args.archive_at)
    print(f"{'live row kB/turn, all tables':<32}" + "".join(f"{kb(v):>20}" for v in per_turn))
    print(f"{'disk kB, database':<32}{kb(kept.disk_before):>20}{kb(kept.disk_after):>20}")
    print(
        f"archived {kept.archived:,} events in {kept.archive_s:.2f} s "
        f"(the CLI process included), file {kb(kept.archive_bytes)} kB (gzip)"
    )


async def main() -> None:
    args = parse_args()
    LABELS["retention"] = f"DG keep_last={args.keep_last}"
    runners = {
        "duragraph": run_duragraph,
        "postgressaver": run_postgressaver,
        "retention": run_retention,
    }
    found: dict[str, Figures] = {}
    for name in STORES:
        if name == "retention" and args.keep_last < 1:
            continue
        if args.only in (None, name):
            print(f"{LABELS[name]}: {args.turns} turns ...", flush=True)
            found[name] = await runners[name](args)
    print_summary(found, args.turns, args.archive_at)
    for name, figures in found.items():
        print_split(name, figures, args.turns)
        print_event_types(name, figures, args.turns)
    if "retention" in found:
        print_retention(found["retention"], args)


if __name__ == "__main__":
    asyncio.run(main())
