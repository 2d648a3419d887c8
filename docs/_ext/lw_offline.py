"""Fail the documentation build when a page would load anything from the internet.

The pages must read offline (no CDN fonts, scripts, styles or images). After the HTML is written,
every ``<script src>``, ``<link href>``, ``<img src>``, ``<iframe src>`` and CSS ``url()`` or
``@import`` in the output is checked; one that points off the machine is an error naming the file.
Links a reader clicks (``<a href="https://...">``) are fine: they load nothing by themselves.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_TAG = re.compile(
    r"<(script|img|iframe|source|audio|video)\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']"
    r"|<link\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)[\"']",
    re.I,
)
_CSS = re.compile(r"url\(\s*[\"']?([^\"')]+)|@import\s+[\"']([^\"']+)", re.I)


def _remote(ref: str) -> bool:
    return bool(re.match(r"^(https?:)?//", ref.strip(), re.I))


def remote_resources(outdir: Path) -> list[str]:
    """Every reference to an off-machine resource in the built HTML and CSS, as ``file: ref``."""
    found = []
    for path in sorted(outdir.rglob("*")):
        if path.suffix not in {".html", ".css"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            for m in _TAG.finditer(text):
                ref = m.group(2) or m.group(3)
                tag = m.group(0)
                # <link rel="canonical"/"alternate"> names a page, it loads nothing
                if m.group(3) and re.search(r"rel\s*=\s*[\"'](canonical|alternate)", tag, re.I):
                    continue
                if _remote(ref):
                    found.append(f"{path.relative_to(outdir)}: {ref}")
        for m in _CSS.finditer(text):
            ref = m.group(1) or m.group(2)
            if _remote(ref):
                found.append(f"{path.relative_to(outdir)}: {ref}")
    return found


def _check(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    found = remote_resources(Path(app.outdir))
    if found:
        from sphinx.errors import SphinxError

        raise SphinxError(
            "pages would load resources from the internet:\n  " + "\n  ".join(found[:20])
        )


def setup(app: Any) -> dict[str, Any]:
    app.connect("build-finished", _check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
