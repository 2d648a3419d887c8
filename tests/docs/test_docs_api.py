"""Every public name has an entry in the API reference (checked on the sources, no build)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _docs_common import DOCS, public_names


def _documented() -> set[str]:
    text = (DOCS / "api" / "index.rst").read_text(encoding="utf-8")
    entries = re.findall(r"^   ([A-Za-z_][\w.]*)\s*$", text, re.M)
    return {f"labelwise.{entry}" for entry in entries}


def test_every_public_name_has_an_api_entry():
    documented = _documented()
    missing = sorted(
        name for name, spellings in public_names().items() if not spellings & documented
    )
    assert not missing, f"public names without a page in docs/api/index.rst: {missing}"


def test_api_entries_name_public_objects():
    spellings = set().union(*public_names().values())
    unknown = sorted(_documented() - spellings)
    assert not unknown, f"docs/api/index.rst lists names that are not public: {unknown}"
