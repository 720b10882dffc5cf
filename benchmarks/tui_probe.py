"""TUI figures without a terminal: run the real app headless (Textual's run_test) in this
process and print one JSON line: process start to the order list's first page, RSS,
and keystroke-to-results in the register search.

Started by run.py as ``tui_probe.py --db URL --user NAME --spawned-at EPOCH`` where
EPOCH is the parent's ``time.time()`` just before it started this process.
"""

from __future__ import annotations

import time

IMPORTED_AT = time.time()  # noqa: E402 - as early as possible

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TYPED = ("berg", "lind", "070", "göteb")
WAIT_S = 60.0


def memory_mb() -> dict[str, float]:
    """VmRSS and VmHWM (peak RSS) of this process, in MB."""
    out: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


async def wait_until(check: Callable[[], bool], what: str) -> None:
    """Poll ``check`` every millisecond; raise TimeoutError after WAIT_S."""
    deadline = time.perf_counter() + WAIT_S
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


def _table_filled(screen: Any) -> bool:
    if hasattr(screen, "loaded"):
        return bool(screen.loaded)
    from textual.widgets import DataTable

    return any(t.row_count for t in screen.query(DataTable))


async def probe(url: str, username: str, spawned_at: float) -> dict[str, Any]:
    """Start the app, open the order list, type in the register search; return figures."""
    from textual.widgets import Input

    from crm_tui.services import users
    from crm_tui.services.setup import open_database
    from crm_tui.tui.app import CrmApp

    open_database(url)
    app = CrmApp(url, users.get_actor(username))
    out: dict[str, Any] = {"imported_ms": round((IMPORTED_AT - spawned_at) * 1000, 1)}
    async with app.run_test(headless=True, size=(160, 48)) as pilot:
        await app.switch_mode("orders")
        orders = app.screen
        await wait_until(lambda: _table_filled(orders), "the first page of the order list")
        await pilot.pause()  # let the screen paint the page
        out["start_to_first_page_ms"] = round((time.time() - spawned_at) * 1000, 1)
        out["memory_after_first_page_mb"] = memory_mb()
        try:
            out["keystroke"] = await _keystrokes(app, pilot, Input)
        except Exception as exc:  # noqa: BLE001 - the start-up figures still count
            out["keystroke"] = {"error": f"{type(exc).__name__}: {exc}"}
        out["memory_at_end_mb"] = memory_mb()
    return out


async def _keystrokes(app: Any, pilot: Any, input_type: type) -> dict[str, Any]:
    """Type TYPED one key at a time; time each key until its results are shown."""
    from benchmarks.measure import percentile
    from crm_tui.tui.widgets.picker import DEBOUNCE_SECONDS

    await app.switch_mode("registers")
    screen = app.screen
    box = screen.query_one("#search", input_type)

    def settled() -> bool:
        return bool(screen.loaded) and not screen.searching and screen.query_text == box.value

    await wait_until(settled, "the register screen's first results")
    samples: list[float] = []
    for word in TYPED:
        box.value = ""
        box.focus()
        await wait_until(settled, "results for an empty search")
        for key in word:
            start = time.perf_counter()
            await pilot.press(key)
            await wait_until(settled, f"results for {box.value!r}")
            await pilot.pause()
            samples.append((time.perf_counter() - start) * 1000)
    p95 = percentile(samples, 0.95)
    debounce = DEBOUNCE_SECONDS * 1000
    return {"median_ms": round(statistics.median(samples), 1), "p95_ms": round(p95, 1),
            "samples": len(samples), "typed": list(TYPED), "debounce_ms": debounce,
            "p95_without_debounce_ms": round(p95 - debounce, 1)}


def main() -> None:
    """Command line: print the figures (or the error) as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--spawned-at", type=float, required=True)
    args = parser.parse_args()
    try:
        result = asyncio.run(probe(args.db, args.user, args.spawned_at))
    except Exception as exc:  # noqa: BLE001 - reported to run.py as the reason
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
