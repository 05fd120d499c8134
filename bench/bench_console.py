"""The console with many threads: does a page of the threads list stay as fast
with a thousand threads as with ten? In a real headless Chromium (Debian's
`chromium`) against one `duragraph dev`.

    python bench/bench_console.py                 # 50 threads, then 1000
    python bench/bench_console.py --many 5000 --loads 10

For each size it prints the median and p90 over `--loads` loads of:
- `first page`: opening /console/threads until its 20 rows are on screen;
- `next page`: a click on Next until the next 20 rows are there;
- `filtered`: a metadata filter (one thread in ten matches) applied by URL;
- `search API`: POST /threads/search for a page at offset 0 and near the end.
The ratios (many / few) are the figures to quote: 1.0 means no slower."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

import httpx
from langgraph_sdk import get_client
from playwright.async_api import Page, async_playwright

from servers import start_duragraph, stop, wait_ready

GRAPHS = Path(__file__).resolve().parents[1] / "tests" / "graphs" / "langgraph.json"
CHROMIUM = "/usr/bin/chromium"
ROWS = "main table tbody tr"


async def add_threads(url: str, count: int, start: int) -> None:
    client = get_client(url=url)
    gate = asyncio.Semaphore(16)

    async def one(i: int) -> None:
        async with gate:
            await client.threads.create(metadata={"n": i, "team": f"t{i % 10}"})

    await asyncio.gather(*(one(i) for i in range(start, start + count)))


async def timed(page: Page, action) -> float:
    started = time.perf_counter()
    await action()
    return (time.perf_counter() - started) * 1000


async def page_loads(page: Page, url: str, loads: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"first page": [], "next page": [], "filtered": []}
    rows = page.locator(ROWS)
    for _ in range(loads):

        async def first() -> None:
            await page.goto(f"{url}/console/threads")
            await rows.nth(19).wait_for()

        figures["first page"].append(await timed(page, first))
        before = await rows.first.inner_text()

        async def following(before: str = before) -> None:
            await page.get_by_role("button", name="Next →").click()
            await page.wait_for_function(
                "([sel, text]) => document.querySelector(sel)?.innerText !== text",
                arg=[ROWS, before],
            )

        figures["next page"].append(await timed(page, following))

        async def filtered() -> None:
            await page.goto(f'{url}/console/threads?metadata={{"team":"t3"}}')
            await rows.first.wait_for()

        figures["filtered"].append(await timed(page, filtered))
    return figures


async def api_search(url: str, total: int, loads: int) -> list[float]:
    times = []
    async with httpx.AsyncClient(base_url=url) as http:
        for i in range(loads):
            offset = 0 if i % 2 == 0 else max(total - 21, 0)
            started = time.perf_counter()
            answer = await http.post("/threads/search", json={"limit": 21, "offset": offset})
            times.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
    return times


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.9 * (len(ordered) - 1))]


async def main(few: int, many: int, loads: int) -> None:
    server = start_duragraph(GRAPHS, name="duragraph")
    try:
        wait_ready(server)
        results: dict[int, dict[str, list[float]]] = {}
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox"]
            )
            page = await browser.new_page(viewport={"width": 1280, "height": 860})
            made = 0
            for size in (few, many):
                await add_threads(server.url, size - made, made)
                made = size
                results[size] = await page_loads(page, server.url, loads)
                results[size]["search API"] = await api_search(server.url, size, loads * 2)
            await browser.close()
    finally:
        stop(server)
    print(f"console threads list, {loads} loads each (ms: median / p90)")
    print(f"{'':<12}{f'{few} threads':>18}{f'{many} threads':>18}{'ratio (median)':>16}")
    for name in results[few]:
        a, b = summary(results[few][name]), summary(results[many][name])
        print(
            f"{name:<12}{a[0]:>9.1f} /{a[1]:>6.1f}{b[0]:>11.1f} /{b[1]:>6.1f}{b[0] / a[0]:>14.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--few", type=int, default=50, help="threads at first (two full pages)")
    parser.add_argument("--many", type=int, default=1000)
    parser.add_argument("--loads", type=int, default=7)
    args = parser.parse_args()
    if args.few < 41 or args.many <= args.few:
        parser.error("--few needs 41 threads or more (two pages), and --many more than --few")
    asyncio.run(main(args.few, args.many, args.loads))
