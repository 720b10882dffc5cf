"""Layering: domain, db and services never import textual (nor the UI packages)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, json, pkgutil, sys
import crm_tui.db, crm_tui.domain, crm_tui.services
imported = []
for package in (crm_tui.domain, crm_tui.db, crm_tui.services):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
print(json.dumps({"imported": imported, "modules": sorted(sys.modules)}))
"""


def test_core_layers_import_no_textual() -> None:
    """Importing every module of domain, db and services in a fresh interpreter."""
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    imported = set(report["imported"])
    assert {"crm_tui.services.orders", "crm_tui.services.order_list", "crm_tui.db.models",
            "crm_tui.domain.records"} <= imported
    modules = report["modules"]
    assert "textual" not in modules
    leaks = [m for m in modules if m.split(".")[0] == "textual"
             or m.startswith(("crm_tui.tui", "crm_tui.cli", "crm_tui.ssh"))]
    assert leaks == []
