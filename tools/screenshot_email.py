"""Screenshots of the reminder digest email's HTML snapshots, to review the layout by eye.

Renders tests/unit/snapshots/digest-*.html to PNG with headless Chromium, at a desktop and a
phone width, into a directory outside the repository (default: the system temporary
directory). Chromium is not a project dependency: without it the tool says so and exits.

    .venv/bin/python -m tools.screenshot_email [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SNAPSHOTS = Path(__file__).resolve().parents[1] / "tests" / "unit" / "snapshots"
# A desktop mail client's reading pane and a common phone width; tall enough for both sections.
SIZES = {"desktop": (900, 3000), "phone": (390, 4600)}


def screenshot(chromium: str, page: Path, target: Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={target}",
                f"--window-size={width},{height}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "digest-email")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed; nothing to do", file=sys.stderr)
        return 1
    pages = sorted(SNAPSHOTS.glob("digest-*.html"))
    if not pages:
        print(f"no HTML snapshots in {SNAPSHOTS}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for page in pages:
        for name, (width, height) in SIZES.items():
            target = args.out / f"{page.stem}-{name}.png"
            screenshot(chromium, page, target, width, height)
            print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
