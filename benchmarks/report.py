"""run.py's JSON: operations pooled over their cases, ratios, targets and the machine."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.measure import BareDriver, percentile

if TYPE_CHECKING:
    from benchmarks.run import Result

# op: (p95 target in ms, over what): "pooled" = p95 of all the op's samples together
# (the register searches, 3 registers x 20 queries, are one population); "worst" = the
# worst case's own p95 (the list target holds for each filter).
TARGETS: dict[str, tuple[float, str]] = {
    "search_register": (10.0, "pooled"),
    "list_first_page": (20.0, "worst"),
    "list_later_page": (20.0, "worst"),
    "totals": (50.0, "worst"),
    "todo": (20.0, "worst"),
    "customer_card": (30.0, "worst"),
}
MIN_SPEEDUP = 50.0
MAX_OVERHEAD = 1.5
TUI_TARGETS = {"start_to_first_page_ms": 1000.0, "keystroke_p95_ms": 100.0, "rss_mb": 150.0}
TABLES = ("user", "customer", "facility", "service_object", "contact_order", "assignment",
          "note", "booking")


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _median(samples: Sequence[float]) -> float | None:
    return statistics.median(samples) if samples else None


def _p95(samples: Sequence[float]) -> float | None:
    return percentile(samples, 0.95) if samples else None


def summarize(results: Sequence[Result]) -> dict[str, Any]:
    """One operation: pooled median/p95, the worst case, each case, raw SQL and overhead."""
    samples = [s for r in results for s in r.service.samples]
    raw_samples = [s for r in results if r.raw for s in r.raw.samples]
    cases: dict[str, Any] = {}
    for r in results:
        case = r.service.summary()
        if r.raw is not None:
            case["raw_median_ms"], case["raw_p95_ms"] = _r(r.raw.median), _r(r.raw.p95)
            if r.raw.error:
                case["raw_error"] = r.raw.error
            if r.service.median and r.raw.median:
                case["overhead"] = _r(r.service.median / r.raw.median, 2)
        cases[r.case.name] = case
    worst = max((r for r in results if r.service.samples),
                key=lambda r: r.service.p95 or 0.0, default=None)
    out: dict[str, Any] = {
        "median_ms": _r(_median(samples)), "p95_ms": _r(_p95(samples)),
        "worst_p95_ms": _r(worst.service.p95) if worst else None,
        "worst_case": worst.case.name if worst else None, "samples": len(samples),
        "rows": [r.service.rows for r in results],
        "errors": sum(1 for r in results if r.service.error),
    }
    paired = [r for r in results if r.raw and r.raw.median and r.service.median]
    if paired:
        out["raw_median_ms"], out["raw_p95_ms"] = _r(_median(raw_samples)), _r(_p95(raw_samples))
        out["overhead"] = _r(sum(r.service.median or 0 for r in paired)
                             / sum(r.raw.median or 0 for r in paired), 2)  # type: ignore[union-attr]
    out["cases"] = cases
    return out


def ratios(results: Sequence[Result], ops: dict[str, Any]) -> dict[str, Any]:
    """Search vs the naive scan (same queries, customers only) and service vs raw SQL."""
    prefix = "customers: "
    ours = {r.case.name[len(prefix):]: r.service.median for r in results
            if r.case.op == "search_register" and r.case.name.startswith(prefix)}
    naive = {r.case.name: r.service.median for r in results
             if r.case.op == "search_naive_scan"}
    common = [q for q in ours if ours[q] and naive.get(q)]
    out: dict[str, Any] = {"search_vs_naive_speedup": None, "search_vs_naive_per_query": {}}
    if common:
        out["search_vs_naive_speedup"] = _r(sum(naive[q] or 0 for q in common)
                                            / sum(ours[q] or 0 for q in common), 2)
        out["search_vs_naive_per_query"] = {q: _r((naive[q] or 0) / (ours[q] or 1), 2)
                                            for q in common}
    overhead = {op: s["overhead"] for op, s in ops.items() if s.get("overhead") is not None}
    out["service_over_raw"] = overhead
    out["max_service_over_raw"] = max(overhead.values(), default=None)
    return out


def targets(ops: dict[str, Any], ratio: dict[str, Any], tui: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets with the measured value and pass/fail (None: not measured)."""
    out: dict[str, Any] = {}
    for op, (limit, basis) in TARGETS.items():
        value = ops.get(op, {}).get("p95_ms" if basis == "pooled" else "worst_p95_ms")
        out[op] = {"p95_target_ms": limit, "basis": basis, "value_ms": value,
                   "pass": None if value is None else value <= limit}
    speedup = ratio["search_vs_naive_speedup"]
    out["search_vs_naive_speedup"] = {"target": f">= {MIN_SPEEDUP}", "value": speedup,
                                      "pass": None if speedup is None else speedup >= MIN_SPEEDUP}
    worst = ratio["max_service_over_raw"]
    out["service_over_raw"] = {"target": f"<= {MAX_OVERHEAD}", "value": worst,
                               "pass": None if worst is None else worst <= MAX_OVERHEAD}
    keystroke = tui.get("keystroke") or {}
    values = {"start_to_first_page_ms": tui.get("start_to_first_page_ms"),
              "keystroke_p95_ms": keystroke.get("p95_ms"), "rss_mb": tui.get("rss_mb")}
    for key, limit in TUI_TARGETS.items():
        value = values[key]
        out[f"tui_{key}"] = {"target": f"<= {limit}", "value": value,
                             "pass": None if value is None else value <= limit}
    return out


def report(results: Sequence[Result], context: dict[str, Any], machine: dict[str, Any],
           tui: dict[str, Any], repeat: int) -> dict[str, Any]:
    """The whole JSON object."""
    by_op: dict[str, list[Result]] = {}
    for result in results:
        by_op.setdefault(result.case.op, []).append(result)
    ops = {op: summarize(rs) for op, rs in by_op.items()}
    ratio = ratios(results, ops)
    return {"machine": machine, "settings": {"repeat": repeat, **context},
            "operations": ops, "ratios": ratio, "tui": tui,
            "targets": targets(ops, ratio, tui)}


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return None
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info(raw: BareDriver) -> dict[str, Any]:
    """Cores, CPU, memory, Python, SQLite, the database kind/version/size and row counts."""
    info: dict[str, Any] = {
        "cores": os.cpu_count(), "cpu_model": _cpu_model(), "memory_gb": _memory_gb(),
        "os": platform.platform(), "python": platform.python_version(),
        "sqlite_version": sqlite3.sqlite_version, "peewee": _version("peewee"),
        "textual": _version("textual"),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    if raw.sqlite:
        (path,) = [row[2] for row in raw.rows("PRAGMA database_list") if row[1] == "main"]
        size = sum(Path(path + suffix).stat().st_size for suffix in ("", "-wal")
                   if Path(path + suffix).exists())
        info["database"] = {"kind": "sqlite", "version": sqlite3.sqlite_version,
                            "size_mb": round(size / 2**20, 1)}
    else:
        version, size = raw.rows("SELECT current_setting('server_version'), "
                                 "pg_database_size(current_database())")[0]
        info["database"] = {"kind": "postgresql", "version": version,
                            "size_mb": round(size / 2**20, 1)}
    info["database"]["rows"] = {t: raw.rows(f'SELECT COUNT(*) FROM "{t}"')[0][0]
                                for t in TABLES}
    return info
