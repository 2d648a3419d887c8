"""The README runs as written: its Python blocks execute, its commands are the ones CI runs and
the command line it describes exists.

A Python block is skipped when the line before its opening fence is ``<!-- readme-test: skip -->``.
The blocks use bundled data only, so they need no ``../shared``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SKIP_MARK = "<!-- readme-test: skip -->"


@dataclass(frozen=True)
class Block:
    lang: str
    line: int  # 1-based line of the opening fence
    code: str
    skip: bool


def readme_blocks(text: str) -> list[Block]:
    """Fenced code blocks in order, with their language and whether they are marked to skip."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if m is None:
            i += 1
            continue
        start = i
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            i += 1
        skip = start > 0 and lines[start - 1].strip() == SKIP_MARK
        blocks.append(Block(m.group(1), start + 1, "\n".join(lines[start + 1 : i]) + "\n", skip))
        i += 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
PYTHON = [b for b in BLOCKS if b.lang == "python"]


def test_blocks_are_found():
    assert len(PYTHON) >= 1 and any("Evaluator" in b.code for b in PYTHON)
    assert readme_blocks("a\n<!-- readme-test: skip -->\n```python\nx = 1\n```\n") == [
        Block("python", 3, "x = 1\n", True)
    ]


@pytest.mark.parametrize("block", PYTHON, ids=[f"README.md:{b.line}" for b in PYTHON])
def test_python_block_runs(block, capsys):
    if block.skip:
        pytest.skip(f"README.md:{block.line} is marked {SKIP_MARK}")
    namespace = {"__name__": "__readme__"}
    exec(compile(block.code, f"README.md:{block.line}", "exec"), namespace)
    out = capsys.readouterr().out
    if "evaluator" in namespace:
        _check_tour(namespace, out)


def _check_tour(ns: dict, out: str) -> None:
    """The tour's evaluator scores the label sets the tuned model predicts (issue 9)."""
    from labelwise.metrics import f1_score

    model, test, evaluator = ns["model"], ns["test"], ns["evaluator"]
    direct = f1_score(test.Y, model.predict(test.X), average="macro")
    streamed = evaluator.compute()
    assert streamed["f1_macro"] == pytest.approx(direct, rel=1e-12, abs=0)
    # the two printed numbers agree, as a reader compares them
    printed = [float(x) for x in re.findall(r"^(0\.\d+)$", out, re.M)]
    assert printed == [pytest.approx(direct, rel=1e-12)]
    assert f"'f1_macro': {streamed['f1_macro']!r}" in out
    # and thresholding at 0.5 (rule=None) would have given another number
    from labelwise.metrics import Evaluator

    at_half = Evaluator(metrics=["f1_macro", "lrap"])
    at_half.update(test.Y, model.predict_proba(test.X))
    assert not np.isclose(at_half.compute()["f1_macro"], direct)


def test_ci_runs_the_second_quick_start_command_verbatim():
    bash = [b for b in BLOCKS if b.lang == "bash"]
    assert len(bash) >= 2
    first, second = bash[0].code.strip(), bash[1].code.strip()
    assert "\n" not in first and "\n" not in second
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert second in ci_lines
    # the first runs the main job (labelwise fit) with commands that exist
    from labelwise.cli import main

    commands = re.findall(r"\.venv/bin/labelwise (\w+)", first)
    assert "fit" in commands and set(commands) <= set(main.commands)


def test_the_command_line_section_names_real_commands_and_options():
    from labelwise.cli import main

    text = README.read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
    usages = re.findall(r"^- `labelwise (\w+)([^`]*)`", section, re.M)
    assert {"fit", "inspect", "datasets"} <= {name for name, _ in usages} <= set(main.commands)
    for name, usage in usages:
        known = {opt for p in main.commands[name].params for opt in p.opts}
        for option in re.findall(r"--[\w-]+", usage):
            assert option in known, f"README names {option} for labelwise {name}"
