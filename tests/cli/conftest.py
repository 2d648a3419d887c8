"""What the command-line tests share: one way to run a command, and one small fitted model."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from labelwise.cli import main


def run_cli(*args: object, **kw: object) -> Result:
    """Run ``labelwise ARGS`` in-process, standard output and standard error kept apart.

    click >= 8.2 always keeps them apart; 8.1 needs ``mix_stderr=False``.
    """
    options = (
        {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    )
    return CliRunner(**options).invoke(main, [str(a) for a in args], **kw)


@pytest.fixture(scope="session")
def invoke() -> Callable[..., Result]:
    """:func:`run_cli`: ``invoke("fit", "emotions", "--json")``."""
    return run_cli


def one_error_line(result: Result) -> str:
    """The single ``Error:`` line of a failed command (exit status 1, no traceback)."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture(scope="session")
def error_line() -> Callable[[Result], str]:
    """:func:`one_error_line`."""
    return one_error_line
