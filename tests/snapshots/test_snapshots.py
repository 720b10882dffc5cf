"""Snapshots of every screen at 80x24 and 120x40 on the fixed demo company."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.snapshots.scenes import SCENES, SIZES, Scene, demo_template, scene_app


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company, seeded once per run."""
    return demo_template(tmp_path_factory.mktemp("demo") / "demo.db")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.name)
def test_screen(snap_compare: Callable[..., Any], template: Path, tmp_path: Path,
                scene: Scene, size: tuple[int, int]) -> None:
    app = scene_app(template, tmp_path, scene)
    assert snap_compare(app, terminal_size=size, run_before=scene.steps)
