"""The command line shows each warning once as ``warning: <message>`` on standard error, lists
them under ``"warnings"`` in ``--json`` output, and shows errors as one ``Error: ...`` line."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import warnings
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.exceptions import ConvergenceWarning

from labelwise._warnings import WarningCollector
from labelwise.cli._main import _Group, collected_warnings
from labelwise.data import write
from labelwise.datasets import load
from labelwise.errors import ProblemSetupWarning

RAW_WARNING_SIGNS = ("Warning: ", ".py:", "warnings.warn", "found = ")


def _warning_lines(stderr: str) -> list[str]:
    return [
        line[len("warning: ") :] for line in stderr.splitlines() if line.startswith("warning: ")
    ]


@pytest.fixture(scope="module")
def never_label_files(tmp_path_factory):
    """Bundled emotions with its first label erased from the training file: models warn."""
    folder = tmp_path_factory.mktemp("never")
    train, test = load("emotions", split="train"), load("emotions", split="test")
    train.Y = np.asarray(train.Y_dense()).copy()
    train.Y[:, 0] = 0
    return write(train, folder / "songs-train.arff"), write(test, folder / "songs-test.arff")


def test_fit_warning_is_one_clean_line_shown_once(never_label_files, invoke):
    train, test = never_label_files
    # per-label tuning fits the model on 2 folds and on all rows: the library warns each time
    with pytest.warns(ProblemSetupWarning) as raw:
        from labelwise.data import read
        from labelwise.pipeline import fit_and_evaluate

        fit_and_evaluate(read(train), read(test), rule="per-label", cv=2)
    issued = [str(w.message) for w in raw if "never occurs" in str(w.message)]
    assert len(issued) == 3 and len(set(issued)) == 1
    result = invoke("fit", "--train", train, "--test", test, "--cv", 2, "--quiet")
    assert result.exit_code == 0, result.output
    lines = _warning_lines(result.stderr)
    never = [line for line in lines if "never occurs in the training data" in line]
    assert 1 <= len(never) < len(issued)
    assert len(lines) == len(set(lines))  # each distinct message once
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines())
    assert not any(sign in result.stderr for sign in RAW_WARNING_SIGNS)
    assert "warning" not in result.stdout


def _noisy_group():
    """A command group like labelwise's, with one command that warns repeatedly."""

    @click.group(cls=_Group)
    def group() -> None:
        pass

    @group.command()
    @click.option("--json", "as_json", is_flag=True)
    def noisy(as_json: bool) -> None:
        for _ in range(3):
            warnings.warn("label 'x' never occurs\n  in training", ProblemSetupWarning, 2)
            warnings.warn("lbfgs failed to converge", ConvergenceWarning, 2)
        click.echo(json.dumps({"warnings": collected_warnings()}) if as_json else "done")

    return group


def test_the_group_shows_each_distinct_warning_once_for_any_command():
    kw = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    result = CliRunner(**kw).invoke(_noisy_group(), ["noisy", "--json"])
    assert result.exit_code == 0, result.output
    expected = ["label 'x' never occurs in training", "lbfgs failed to converge"]
    assert result.stderr.splitlines() == [f"warning: {m}" for m in expected]
    assert json.loads(result.stdout) == {"warnings": expected}
    assert collected_warnings() == []  # outside a command: nothing


def test_json_output_lists_the_warnings_shown(never_label_files, invoke):
    train, test = never_label_files
    result = invoke("fit", "--train", train, "--test", test, "--rule", "fixed", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)  # stdout is pure JSON; warnings go to stderr
    assert out["warnings"] == _warning_lines(result.stderr)
    assert any("never occurs" in w for w in out["warnings"])
    assert set(out["scores"]) == {
        "hamming_loss", "subset_accuracy", "f1_micro", "f1_macro", "f1_samples",
    }  # fmt: skip
    clean = invoke("inspect", "emotions", "--json")
    assert clean.exit_code == 0 and json.loads(clean.stdout)["warnings"] == []
    assert clean.stderr == ""


def test_inspect_collects_the_overlap_warning_in_json(never_label_files, invoke):
    train, _ = never_label_files
    result = invoke("inspect", train, "--json", "--test", train)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["warnings"] == _warning_lines(result.stderr)
    assert any("391 of 391 test rows (100.0%)" in w for w in out["warnings"])


@pytest.mark.parametrize(
    "args, says",
    [
        (["fit", "--train", "nope.arff", "--test", "nope.arff"], "nope.arff"),
        (["inspect", "no-such-thing"], "is neither an existing file nor a bundled dataset"),
        (["fit", "--dataset", "no-such-set"], "no-such-set"),
    ],
)
def test_errors_are_one_line_ending_with_a_newline(args, says, invoke):
    result = invoke(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.endswith("\n")
    assert result.stderr.count("\n") == 1 and says in result.stderr
    assert "Traceback" not in result.stderr


def test_collector_keeps_filters_and_restores_them():
    lines = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python's default outside pytest
        warnings.simplefilter("ignore", ProblemSetupWarning)  # labelwise's own: shown anyway
        before = (warnings.showwarning, list(warnings.filters))
        with WarningCollector(echo=lines.append) as collected:
            warnings.warn("a library's deprecation", DeprecationWarning, stacklevel=1)
            for _ in range(3):
                warnings.warn("lbfgs failed\n  to converge", UserWarning, stacklevel=1)
                warnings.warn("labelwise says so", ProblemSetupWarning, stacklevel=1)
        after = (warnings.showwarning, list(warnings.filters))
    assert lines == ["warning: lbfgs failed to converge", "warning: labelwise says so"]
    assert collected.messages == ["lbfgs failed to converge", "labelwise says so"]
    assert after == before


def _console_script() -> Path:
    script = Path(sys.executable).with_name("labelwise")
    if not script.exists():
        pytest.skip(f"the labelwise console script is not installed beside {sys.executable}")
    return script


def test_real_console_script(tmp_path):
    script = _console_script()
    data = write(load("emotions", split="train"), tmp_path / "songs.arff")
    done = subprocess.run(
        [str(script), "inspect", str(data), "--test", str(data)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # one clean line (its wording is check_overlap's, tested with it)
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "warning: inspect: 391 of 391 test rows (100.0%) also occur in the training set"
    )
    assert "not a test of generalisation" in line and "Traceback" not in done.stderr
    assert "Train/test overlap with" in done.stdout
    failed = subprocess.run(
        [str(script), "fit", "--train", "nope.arff", "--test", "nope.arff"],
        capture_output=True, text=True, check=False, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.startswith("Error: ") and "nope.arff" in failed.stderr
    assert failed.stderr.endswith("\n") and failed.stderr.count("\n") == 1
