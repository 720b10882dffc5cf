"""Regenerate screenshots/ from the real app on the demo company (SVG, plus PNG when
rsvg-convert is installed). Run: .venv/bin/python scripts/screenshots.py"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.snapshots.scenes import SCENES, SIZES, demo_template, scene_app, settle  # noqa: E402

OUT = ROOT / "screenshots"


async def shoot(template: Path, workdir: Path) -> list[Path]:
    """Every scene at every size; returns the SVG files written."""
    written = []
    for scene in SCENES:
        for width, height in SIZES:
            app = scene_app(template, workdir, scene)
            async with app.run_test(size=(width, height)) as pilot:
                await scene.steps(pilot)
                await settle(pilot)
                await pilot.pause()
                name = f"{scene.name}-{width}x{height}.svg"
                app.save_screenshot(filename=name, path=str(OUT))
                written.append(OUT / name)
    return written


def main() -> None:
    """Write the screenshots."""
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        template = demo_template(Path(tmp) / "demo.db")
        svgs = asyncio.run(shoot(template, Path(tmp)))
    converter = shutil.which("rsvg-convert")
    for svg in svgs:
        if converter:
            subprocess.run([converter, str(svg), "-o", str(svg.with_suffix(".png"))],
                           check=True)
        print(svg.relative_to(ROOT))
    if not converter:
        print("rsvg-convert not found (Debian: librsvg2-bin): wrote SVG only")


if __name__ == "__main__":
    main()
