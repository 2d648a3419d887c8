"""The report tests' headless browser: a page's DOM after its script recorded each figure's size."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from labelwise.report import write_report


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture
def figures_render(tmp_path: Path) -> Callable[[str, list[str]], None]:
    """Check that each named figure of a page renders in headless Chromium with a non-empty
    box and drawn paths (skip without Chromium, except in CI, which must have it)."""
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (.ci/run installs Debian's chromium package)")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")

    def render(html: str, keys: list[str]) -> None:
        target = write_report(tmp_path / "report.html", html, overwrite=True)
        cmd = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000", "--dump-dom", target.as_uri(),
        ]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        dom = out.stdout
        assert "<figure" in dom, out.stderr[-2000:]
        for key in keys:
            m = re.search(
                rf'<figure data-figure="{key}" data-rendered="(\d+)x(\d+)">(.*?)</figure>',
                dom,
                re.S,
            )
            assert m, f"figure {key} missing or not rendered"
            width, height, inner = int(m.group(1)), int(m.group(2)), m.group(3)
            assert width > 100 and height > 100, (key, width, height)
            assert inner.count("<path") > 3, f"figure {key} has nothing drawn"

    return render
