"""Time what users wait for, through the services: ``benchmarks/run.py --db URL``.

Prints one JSON object: per operation median and p95 in ms and row counts; in the same
run the search as a naive ``LIKE '%term%'`` scan and every operation's own SQL replayed
on the bare driver (the floor), with the ratios; the issue's targets, pass or fail; the
machine; and TUI figures from a headless run of the app in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import cases as bench  # noqa: E402
from benchmarks.measure import BareDriver, Timing, captured_sql, time_calls  # noqa: E402
from benchmarks.report import machine_info, report  # noqa: E402
from crm_tui.db.database import db  # noqa: E402
from crm_tui.services import settings  # noqa: E402
from crm_tui.services.setup import open_database  # noqa: E402

NAIVE_LIMIT = bench.SEARCH_LIMIT
TUI_TIMEOUT_S = 300


@dataclass
class Result:
    """One case: the service call's timing and its SQL replayed on the bare driver."""

    case: bench.Case
    service: Timing
    raw: Timing | None


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_case(case: bench.Case, raw: BareDriver, repeat: int, budget_s: float) -> Result:
    """Time the service call, then the statements it ran, through the bare driver."""
    service = time_calls(case.call, case.rows, repeat, budget_s)
    if service.error:
        return Result(case, service, None)
    with captured_sql() as statements:
        case.call()
    replay = time_calls(lambda: raw.run(statements), lambda n: n, repeat, budget_s)
    return Result(case, service, replay)


def naive_cases(raw: BareDriver, queries: list[str]) -> list[bench.Case]:
    """The search as a CRM without an index does it: LIKE over the plain columns."""
    like = "LIKE" if raw.sqlite else "ILIKE"
    mark = "?" if raw.sqlite else "%s"
    where = " OR ".join(f"{col} {like} {mark}" for col in ("name", "city", "phone", "email"))
    sql = (f"SELECT id, number, name, city, phone FROM customer WHERE {where} "
           f"ORDER BY name, id LIMIT {NAIVE_LIMIT}")
    return [bench.Case("search_naive_scan", q,
                       lambda q=q: raw.run([(sql, (f"%{q}%",) * 4)]), lambda n: n,
                       replay=False) for q in queries]


def tui_figures(url: str, username: str, enabled: bool) -> dict[str, Any]:
    """Start-up, memory and keystroke figures from tui_probe.py, or nulls with a reason."""
    if not enabled:
        return {"start_to_first_page_ms": None, "rss_mb": None, "keystroke": None,
                "reason": "skipped (--no-tui)"}
    probe = Path(__file__).with_name("tui_probe.py")
    spawned_at = time.time()
    try:
        done = subprocess.run([sys.executable, str(probe), "--db", url, "--user", username,
                               "--spawned-at", repr(spawned_at)], capture_output=True,
                              text=True, timeout=TUI_TIMEOUT_S, check=False)
        lines = done.stdout.strip().splitlines()
        figures = json.loads(lines[-1]) if lines else {
            "error": f"no output (exit {done.returncode}): {done.stderr.strip()[-500:]}"}
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        figures = {"error": f"{type(exc).__name__}: {exc}"}
    if "error" in figures:
        return {"start_to_first_page_ms": None, "rss_mb": None, "keystroke": None,
                "reason": figures["error"]}
    memory = figures.get("memory_at_end_mb", {})
    figures["rss_mb"] = memory.get("VmHWM", memory.get("VmRSS"))
    return figures


def measure_all(raw: BareDriver, repeat: int, budget_s: float,
                progress: Callable[[str], None],
                only: tuple[str, ...] = ()) -> tuple[list[Result], dict[str, Any]]:
    """Build every case and time it; returns results and what the cases were built from."""
    world = bench.load_world()
    queries = bench.search_queries(raw)
    window = bench.totals_window(world, raw)
    progress("preparing cases (walking pages for the keyset cursors)")
    all_cases = ([bench.connection_case()] + bench.search_cases(world, queries)
                 + naive_cases(raw, queries) + bench.list_cases(world)
                 + bench.summary_cases(world, window))
    if only:
        all_cases = [c for c in all_cases if c.op.startswith(only)]
    results: list[Result] = []
    for number, case in enumerate(all_cases, start=1):
        if not case.replay:
            results.append(Result(case, time_calls(case.call, case.rows, repeat, budget_s),
                                  None))
        else:
            results.append(run_case(case, raw, repeat, budget_s))
        last = results[-1].service
        progress(f"[{number}/{len(all_cases)}] {case.op} {case.name}: "
                 f"median {last.median or 0:.2f} ms, rows {last.rows}"
                 + (f" ERROR {last.error}" if last.error else ""))
    context = {"queries": queries, "totals_filter": bench.describe_filter(window),
               "filters": {name: bench.describe_filter(f) for name, (_, f)
                           in bench.order_filters(world).items()},
               "admin": world.admin.username, "view_assigned_user": world.user.username,
               "card_customer": world.card_customer, "dataset": world.info}
    return results, context


def main(argv: list[str] | None = None) -> int:
    """Command line: run everything, print one JSON object (and write it to --out)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, metavar="URL", help="a database made by "
                        "benchmarks/generate.py (sqlite:///path or postgresql://...)")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per case")
    parser.add_argument("--budget", type=float, default=5.0, metavar="SECONDS",
                        help="stop repeating a case after this long (at least 3 calls)")
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    parser.add_argument("--no-tui", action="store_true", help="skip the TUI figures")
    parser.add_argument("--only", action="append", default=[], metavar="OP",
                        help="time only operations whose name starts with OP (repeatable; "
                        "for quick checks, the report's targets then miss the others)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    open_database(args.db)
    settings.clear_cache()
    raw = BareDriver()
    try:
        results, context = measure_all(raw, max(args.repeat, 1), args.budget, _log,
                                       tuple(args.only))
        machine = machine_info(raw)
    finally:
        raw.close()
        if not db.is_closed():
            db.close()
    _log("TUI figures (headless app in a subprocess)")
    tui = tui_figures(args.db, context["admin"], not args.no_tui)
    out = report(results, context, machine, tui, args.repeat)
    out["elapsed_s"] = round(time.perf_counter() - started, 1)
    text = json.dumps(out, indent=2, ensure_ascii=False, default=str)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
