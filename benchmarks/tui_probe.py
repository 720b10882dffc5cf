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


class Frames:
    """Every frame the app paints, timed, with what a caller wants to know about it.

    Headless, Textual still lays out and renders each update of the screen and hands it
    to ``App._display``, which then skips turning it into terminal output. This wraps
    ``_display``: it does that conversion too (the work a real terminal costs), then
    notes the time and ``note()``, a snapshot of app state taken as the frame goes out.
    A frame noted after the app put some results in a table is the moment those
    results are on the screen: what a person waits for.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.log: list[tuple[float, object]] = []
        self.note: Callable[[], object] = lambda: None
        self._display = app._display
        app._display = self._painted

    def _painted(self, screen: Any, renderable: Any) -> None:
        self._display(screen, renderable)
        if renderable is None or self.app._batch_count:
            return  # nothing went out
        render = getattr(renderable, "render_segments", None)
        if render is not None:
            render(self.app.console)
        self.log.append((time.perf_counter(), self.note()))

    def since(self, start: float, wanted: object) -> float | None:
        """Time of the first frame from ``start`` on whose note is ``wanted``."""
        for at, note in self.log:
            if at >= start and note == wanted:
                return at
        return None

    async def wait(self, start: float, wanted: object, what: str) -> float:
        """Wait for a frame from ``start`` on whose note is ``wanted``; its time."""
        found: list[float] = []

        def painted() -> bool:
            at = self.since(start, wanted)
            if at is not None:
                found.append(at)
            return bool(found)

        await wait_until(painted, what)
        return found[0]


def _table_filled(screen: Any) -> bool:
    if hasattr(screen, "loaded"):
        return bool(screen.loaded)
    from textual.widgets import DataTable

    return any(t.row_count for t in screen.query(DataTable))


async def _idle(screen: Any) -> None:
    """Between samples (never inside one): let the search finish and the process go
    idle (as Pilot does), so one key's leftover work is not billed to the next key."""
    from textual._wait import wait_for_idle

    await wait_until(lambda: not screen.searching, "the search to finish")
    await wait_for_idle(0)


async def probe(url: str, username: str, spawned_at: float) -> dict[str, Any]:
    """Start the app, open the order list, type in the register search; return figures."""
    from crm_tui.services import users
    from crm_tui.services.setup import open_database
    from crm_tui.tui.app import CrmApp

    open_database(url)
    app = CrmApp(url, users.get_actor(username))
    out: dict[str, Any] = {"imported_ms": round((IMPORTED_AT - spawned_at) * 1000, 1)}
    frames = Frames(app)
    async with app.run_test(headless=True, size=(160, 48)):
        await app.switch_mode("orders")
        orders = app.screen
        frames.note = lambda: app.screen is orders and _table_filled(orders)
        # The first frame painted with the page in it; the probe polls every ms, but the
        # time is the frame's own, not the moment the poll noticed it.
        painted = await frames.wait(0.0, True, "the first page of the order list")
        out["start_to_first_page_ms"] = round(
            (time.time() - (time.perf_counter() - painted) - spawned_at) * 1000, 1)
        out["memory_after_first_page_mb"] = memory_mb()
        try:
            out["keystroke"] = await _keystrokes(app, frames)
        except Exception as exc:  # noqa: BLE001 - the start-up figures still count
            out["keystroke"] = {"error": f"{type(exc).__name__}: {exc}"}
        out["memory_at_end_mb"] = memory_mb()
    return out


async def _keystrokes(app: Any, frames: Frames) -> dict[str, Any]:
    """Type TYPED one key at a time; time each key until its results are painted.

    A key goes in as the terminal driver sends it (an ``events.Key`` posted to the app),
    not through ``Pilot.press``: that one sleeps at least twice 20 ms after the key
    waiting for the process to look idle, and those sleeps would be billed to the app.
    A sample ends at the first frame painted after the results for the text typed so
    far are in the table (the screen's ``query_text`` is that text and no search is
    outstanding); nothing fixed is added after it.
    """
    from textual import events
    from textual.widgets import DataTable, Input

    from benchmarks.measure import percentile

    await app.switch_mode("registers")
    screen = app.screen
    box = screen.query_one("#search", Input)
    table = screen.query_one("#hits", DataTable)

    def shown() -> str | None:
        """The text whose results the table holds, once nothing newer is on its way."""
        if screen.loaded and not screen.searching and app.screen is screen:
            return str(screen.query_text)
        return None

    frames.note = shown
    await wait_until(lambda: shown() == box.value, "the register screen's first results")
    samples: list[tuple[str, float]] = []
    for word in TYPED:
        box.value = ""
        box.focus()
        await wait_until(lambda: shown() == "", "results for an empty search")
        for key in word:
            assert key.isalnum(), "a key that is its own character (see Pilot for others)"
            await _idle(screen)
            wanted = box.value + key
            start = time.perf_counter()
            app._driver.send_message(events.Key(key, key))
            painted = await frames.wait(start, wanted, f"results for {wanted!r} painted")
            samples.append((wanted, (painted - start) * 1000))
            first = table.get_row_at(0)[1].plain if table.row_count else ""
            if table.row_count and first not in _painted_text(table):
                raise AssertionError(f"results for {wanted!r} are not what the table paints")
    times = [ms for _, ms in samples]
    slowest = sorted(samples, key=lambda s: -s[1])[:3]
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1), "samples": len(samples),
            "typed": list(TYPED), "slowest": [[text, round(ms, 1)] for text, ms in slowest],
            "all_ms": [[text, round(ms, 1)] for text, ms in samples]}


def _painted_text(table: Any) -> str:
    """The text the table renders for its visible lines (not a frame: a check)."""
    from textual.geometry import Region

    lines = table.render_lines(Region(0, 0, table.size.width, table.size.height))
    return "\n".join(line.text for line in lines)


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
