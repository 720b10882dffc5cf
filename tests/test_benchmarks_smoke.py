"""Smoke test of the benchmark tooling: a tiny dataset, then one timing run (no timings judged)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from crm_tui.db.database import sqlite_url

ROOT = Path(__file__).resolve().parents[1]
GENERATE = ROOT / "benchmarks" / "generate.py"
RUN = ROOT / "benchmarks" / "run.py"
OPERATIONS = {"connection_open", "search_register", "search_all_registers",
              "search_naive_scan", "list_first_page", "list_later_page", "totals",
              "totals_all_open", "todo", "customer_card"}
TARGETS = {"search_register", "list_first_page", "list_later_page", "totals", "todo",
           "customer_card", "search_vs_naive_speedup", "service_over_raw",
           "tui_start_to_first_page_ms", "tui_keystroke_p95_ms", "tui_rss_mb"}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=180, cwd=ROOT, check=False)


def _check_operation(name: str, op: dict[str, Any]) -> None:
    assert op["errors"] == 0, (name, op["cases"])
    for key in ("median_ms", "p95_ms", "worst_p95_ms", "samples", "rows", "cases"):
        assert key in op, (name, key)
    assert op["median_ms"] >= 0 and op["p95_ms"] >= op["median_ms"]
    if name not in ("search_naive_scan", "connection_open"):
        assert op["raw_median_ms"] is not None and op["overhead"] > 0, name


def test_generate_then_run_prints_the_report(tmp_path: Path) -> None:
    """generate.py --scale 0.001 fills a file; run.py --repeat 1 prints the full JSON."""
    url = sqlite_url(tmp_path / "bench.db")
    made = _run(str(GENERATE), "--db", url, "--scale", "0.001", "--today", "2026-03-02")
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout[made.stdout.index("\n{") + 1:])
    assert summary["counts"] == {"user": 6, "customer": 100, "facility": 150,
                                 "service_object": 200, "contact_order": 1000,
                                 "assignment": summary["counts"]["assignment"],
                                 "note": 3000, "booking": 300}
    again = _run(str(GENERATE), "--db", url, "--scale", "0.001")
    assert again.returncode == 2 and "empty" in again.stderr

    out = tmp_path / "report.json"
    ran = _run(str(RUN), "--db", url, "--repeat", "1", "--budget", "0.2", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert json.loads(out.read_text()) == report

    machine = report["machine"]
    assert machine["cores"] >= 1 and machine["python"] and machine["sqlite_version"]
    assert machine["database"]["kind"] == "sqlite"
    assert machine["database"]["rows"]["contact_order"] == 1000
    assert set(report["operations"]) == OPERATIONS
    for name, op in report["operations"].items():
        _check_operation(name, op)
    assert len(report["operations"]["search_register"]["cases"]) == 60  # 3 registers x 20
    assert len(report["operations"]["search_all_registers"]["cases"]) == 20
    card = report["operations"]["customer_card"]  # 500 orders, in pages of 50
    assert card["rows"][0] == 50
    assert card["cases"]["admin/orders page 10"]["rows"] == 50
    assert report["ratios"]["search_vs_naive_speedup"] is not None
    assert report["ratios"]["max_service_over_raw"] > 0
    assert set(report["targets"]) == TARGETS
    assert all(t["pass"] in (True, False, None) for t in report["targets"].values())
    tui = report["tui"]
    if tui["start_to_first_page_ms"] is None:  # allowed, but only with a reason
        assert tui["reason"]
    else:
        assert tui["start_to_first_page_ms"] > 0 and tui["rss_mb"] > 0
        assert "p95_ms" in tui["keystroke"] or "error" in tui["keystroke"]
