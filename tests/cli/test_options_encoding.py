"""``--encoding``: every command that reads a data file reads a Latin-1 file right with it, and
without it stops at the first byte that is not UTF-8, naming the line and the byte offset."""

from __future__ import annotations

import json

import numpy as np
import pytest

ROWS = 30


def _table(names: tuple[str, str]) -> str:
    rng = np.random.default_rng(0)
    lines = ["x1,x2,labels"]
    for i in range(ROWS):
        x1, x2 = rng.normal(size=2)
        chosen = [names[j] for j in range(2) if (i >> j) & 1] or [names[i % 2]]
        lines.append(f"{x1 + len(chosen):.3f},{x2:.3f},{'|'.join(chosen)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory, invoke):
    """The same table in UTF-8 and in Latin-1 (label names café and thé), and a model of it."""
    folder = tmp_path_factory.mktemp("encoding")
    text = _table(("café", "thé"))
    utf8, latin = folder / "utf8.csv", folder / "latin.csv"
    utf8.write_text(text, encoding="utf-8")
    latin.write_bytes(text.encode("latin-1"))
    model = folder / "model.lw"
    fast = ["--candidates", "BinaryRelevance", "--cv", "3", "--n-jobs", "1", "--quiet"]
    fitted = invoke("fit", utf8, "--labels", "labels", *fast, "--out", model)
    assert fitted.exit_code == 0, fitted.output
    return utf8, latin, model


def _args(files, command: str, data, out) -> list:
    model = files[2]
    return {
        "inspect": ["inspect", data, "--labels", "labels", "--json"],
        "evaluate": ["evaluate", model, data, "--labels", "labels", "--json"],
        "predict": ["predict", model, data, "--labels", "labels"],
        "report": ["report", model, data, "--labels", "labels", "-o", out],
        "fit": ["fit", data, "--labels", "labels", "--rule", "fixed", "--test", data, "--json"],
    }[command]


COMMANDS = ["inspect", "evaluate", "predict", "report", "fit"]


@pytest.mark.parametrize("command", COMMANDS)
def test_without_encoding_a_latin1_file_is_one_error_naming_line_and_byte_offset(
    files, command, tmp_path, invoke, error_line
):
    line = error_line(invoke(*_args(files, command, files[1], tmp_path / "r.html")))
    # the first non-UTF-8 byte: the é of the first row's label, on line 2 of the file
    offset = _table(("café", "thé")).encode("latin-1").index(b"\xe9")
    assert "line 2" in line and f"byte offset {offset}" in line and "0xe9" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_with_encoding_latin1_a_file_reads_as_its_utf8_twin(files, command, tmp_path, invoke):
    utf8 = invoke(*_args(files, command, files[0], tmp_path / "utf8.html"))
    latin = invoke(
        *_args(files, command, files[1], tmp_path / "latin.html"), "--encoding", "latin-1"
    )
    assert utf8.exit_code == 0, utf8.output
    assert latin.exit_code == 0, latin.output
    if command == "inspect":
        assert json.loads(latin.stdout)["problem"]["label_names"] == ["café", "thé"]
    elif command == "evaluate":
        rows = json.loads(latin.stdout)["per_label"]
        assert rows == json.loads(utf8.stdout)["per_label"] and rows[0]["label"] == "café"
    elif command == "fit":
        assert json.loads(latin.stdout)["scores"] == json.loads(utf8.stdout)["scores"]
    elif command == "report":
        assert "café" in (tmp_path / "latin.html").read_text(encoding="utf-8")
    else:
        assert latin.stdout == utf8.stdout and "café" in latin.stdout


def test_an_unknown_encoding_is_a_usage_error_naming_it(files, invoke):
    result = invoke("inspect", files[1], "--labels", "labels", "--encoding", "klingon")
    assert result.exit_code == 2 and "'klingon' is not a text encoding" in result.stderr
