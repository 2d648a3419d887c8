"""The documentation site: built offline with warnings as errors, every example run, every page
rendered in headless Chromium without a console error, every internal link and anchor resolved.

The build (``python -m sphinx -W -b html docs build/docs/html``) runs once per session here; the
screenshots of the landing page and one gallery page are kept under ``build/docs/screenshots``
(CI artifacts, never committed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _chromium import Browser, find_chromium
from _docs_common import DOCS, ROOT, public_names

pytest.importorskip("sphinx", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("sphinx_gallery", reason="the docs extra is not installed")

BUILD = ROOT / "build" / "docs"
HTML = BUILD / "html"


@pytest.fixture(scope="module")
def site() -> Path:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    cmd = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
        "-d", str(BUILD / "doctrees"), str(DOCS), str(HTML),
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200, check=False)
    assert out.returncode == 0, out.stdout[-4000:] + "\n" + out.stderr[-8000:]
    return HTML


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)
            if tag == "a" and key == "href" and value:
                self.links.append(value)


def _pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.html") if "_sources" not in p.parts)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_every_public_name_has_a_page(site):
    generated = {p.stem for p in (site / "api" / "generated").glob("*.html")}
    missing = sorted(
        name for name, spellings in public_names().items() if not spellings & generated
    )
    assert not missing, f"no API page for: {missing}"


def test_guide_and_gallery_pages_show_their_output(site):
    guide = [p for p in (site / "guide").glob("plot_*.html")]
    gallery = [p for p in (site / "gallery").glob("plot_*.html")]
    assert len(guide) >= 14 and len(gallery) >= 6, (len(guide), len(gallery))
    for page in guide + gallery:
        text = page.read_text(encoding="utf-8")
        assert "sphx-glr-script-out" in text, f"{page.name} shows no output of its code"
    for page in gallery:
        assert "<svg" in page.read_text(encoding="utf-8"), f"{page.name} shows no figure"


def test_internal_links_and_anchors_resolve(site):
    parsed = {path: _parse(path) for path in _pages(site)}
    broken = []
    for path, page in parsed.items():
        for href in page.links:
            if href.startswith(("http:", "https:", "mailto:", "javascript:")):
                continue
            target, anchor = urldefrag(href)
            target_path = (path.parent / unquote(target)).resolve() if target else path
            if target_path.is_dir():
                target_path = target_path / "index.html"
            if not target_path.exists():
                broken.append(f"{path.relative_to(site)} -> {href} (no such file)")
                continue
            if anchor and target_path.suffix == ".html":
                ids = parsed.get(target_path) or _parse(target_path)
                if unquote(anchor) not in ids.ids:
                    broken.append(f"{path.relative_to(site)} -> {href} (no such anchor)")
    assert not broken, "\n".join(broken[:30])


def test_pages_load_nothing_from_the_network(site):
    sys.path.insert(0, str(DOCS / "_ext"))
    from lw_offline import remote_resources

    assert remote_resources(site) == []


def test_every_page_renders_in_chromium_without_console_errors(site):
    browser_path = find_chromium()
    if browser_path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (.ci/run installs Debian's chromium package)")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    shots = BUILD / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    browser = Browser(browser_path)
    try:
        failures = {}
        for path in _pages(site):
            errors = browser.open(path.as_uri())
            if errors:
                failures[str(path.relative_to(site))] = errors
            if path == site / "index.html":
                browser.screenshot(shots / "landing.png")
            elif path == site / "gallery" / "plot_precision_recall.html":
                browser.screenshot(shots / "gallery_precision_recall.png")
        assert not failures, failures
    finally:
        browser.close()
    for name in ("landing.png", "gallery_precision_recall.png"):
        shot = shots / name
        assert shot.exists() and shot.stat().st_size > 10_000, f"{name} is missing or blank"
