"""``python -m labelwise`` and ``python -m labelwise.cli`` run the console script's command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import labelwise

ROOT = Path(__file__).resolve().parents[2]


def _run(command, *, cwd):
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "80"},  # help wrapped at one width, whatever the terminal
    )


def test_the_console_script_is_the_main_these_modules_call():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '[project.scripts]\nlabelwise = "labelwise.cli:main"\n' in pyproject
    for name in ("__main__.py", "cli/__main__.py"):
        assert "from labelwise.cli import main" in (ROOT / "src/labelwise" / name).read_text()


@pytest.mark.parametrize("module", ["labelwise", "labelwise.cli"])
def test_help_is_the_console_scripts_help(module, tmp_path):
    result = _run([sys.executable, "-m", module, "--help"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: python -m {module} [OPTIONS] COMMAND")
    script = Path(sys.executable).with_name("labelwise")  # installed next to the interpreter
    assert script.exists(), f"the console script is not installed at {script}"
    expected = _run([str(script), "--help"], cwd=tmp_path)
    assert expected.returncode == 0, expected.stderr
    # the same help, apart from the program name
    assert expected.stdout.startswith("Usage: labelwise [OPTIONS] COMMAND")
    assert result.stdout.split("\n", 1)[1] == expected.stdout.split("\n", 1)[1]
    for command in ("fit", "evaluate", "predict", "report", "inspect", "datasets", "serve"):
        assert f"  {command} " in result.stdout


def test_version_and_errors_pass_through(tmp_path):
    version = _run([sys.executable, "-m", "labelwise", "--version"], cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip().endswith(labelwise.__version__)
    missing = _run([sys.executable, "-m", "labelwise.cli", "inspect", "nope.csv"], cwd=tmp_path)
    assert missing.returncode == 1
    assert "Error: nope.csv: no such file" in missing.stderr
    assert "Traceback" not in missing.stderr
