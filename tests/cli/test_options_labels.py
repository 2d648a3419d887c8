"""``--labels`` means the same in every command: a Mulan XML file, a MEKA count or column names."""

from __future__ import annotations

import json
import shutil

import click
import pytest

from labelwise.cli import main
from labelwise.cli._options import parse_labels
from labelwise.data import read

EMOTIONS_LABELS = [
    "amazed-suprised", "happy-pleased", "relaxing-calm",
    "quiet-still", "sad-lonely", "angry-aggresive",
]  # fmt: skip


@pytest.mark.parametrize(
    "text, value",
    [
        ("6", 6),
        ("-14", -14),
        ("+3", 3),
        (" 7 ", 7),
        ("scene.xml", "scene.xml"),
        ("dir/1.xml", "dir/1.xml"),
        ("./6", "./6"),  # a file named 6
        ("labels", "labels"),
        ("IT,UK", ["IT", "UK"]),
        (" IT , UK ", ["IT", "UK"]),
        ("IT,", ["IT"]),
        (None, None),
    ],
)
def test_parse_labels(text, value):
    assert parse_labels(text) == value


@pytest.mark.parametrize("text", ["", "  ", "a,,b", ",", ",a"])
def test_parse_labels_rejects_empty_names(text):
    with pytest.raises(click.BadParameter):
        parse_labels(text)


def test_every_command_with_labels_shares_one_definition():
    options = {
        name: next(p for p in cmd.params if p.name == "labels")
        for name, cmd in main.commands.items()
        if any(p.name == "labels" for p in cmd.params)
    }
    assert {"fit", "inspect"} <= set(options)
    first = next(iter(options.values()))
    for opt in options.values():
        assert opt.callback is first.callback and opt.help == first.help
        assert opt.opts == ["--labels"]


@pytest.fixture
def songs(mulan_dir, tmp_path):
    """Emotions' test file under a name with no XML beside it."""
    path = tmp_path / "songs.arff"
    shutil.copy(mulan_dir / "emotions-test.arff", path)
    return path


def test_inspect_takes_a_number_as_a_meka_count_not_a_path(songs, mulan_dir, invoke):
    by_xml = invoke("inspect", songs, "--labels", mulan_dir / "emotions.xml", "--json")
    by_count = invoke("inspect", songs, "--labels", "-6", "--json")  # the last 6 attributes
    assert by_xml.exit_code == 0 and by_count.exit_code == 0, by_count.output
    xml, count = json.loads(by_xml.stdout), json.loads(by_count.stdout)
    assert count["problem"]["label_names"] == EMOTIONS_LABELS
    assert count["diagnostics"] == xml["diagnostics"]
    # a positive count is the first attributes: here numeric features, so a clear error naming
    # the file and the column instead of "no such file: 1"
    first = invoke("inspect", songs, "--labels", "1")
    assert first.exit_code == 1 and "no such file" not in first.stderr
    assert "songs.arff" in first.stderr and "label values must be 0 or 1" in first.stderr


def test_fit_and_inspect_read_the_same_labels(songs, mulan_dir, tmp_path, invoke):
    train = tmp_path / "songs-train.arff"
    shutil.copy(mulan_dir / "emotions-train.arff", train)
    names = ",".join(EMOTIONS_LABELS)
    runs = {
        how: invoke("fit", "--rule", "fixed", "--json", "--train", train, "--test", songs,
                     "--labels", value)
        for how, value in [("xml", mulan_dir / "emotions.xml"), ("count", -6), ("names", names)]
    }  # fmt: skip
    for result in runs.values():
        assert result.exit_code == 0, result.output
    scores = [json.loads(r.stdout)["scores"] for r in runs.values()]
    assert scores[0] == scores[1] == scores[2]
    assert json.loads(runs["count"].stdout)["n_labels"] == 6
    shown = invoke("inspect", songs, "--labels", names, "--json")
    assert json.loads(shown.stdout)["problem"]["label_names"] == EMOTIONS_LABELS


def test_tables_take_column_names(tmp_path, invoke):
    path = tmp_path / "news.csv"
    path.write_text("x1,x2,IT,UK,tags\n0.1,1,1,0,IT\n0.2,2,0,1,UK\n0.3,3,1,1,IT|UK\n0.4,4,0,0,\n")
    columns = invoke("inspect", path, "--labels", "IT,UK", "--json")
    lists = invoke("inspect", path, "--labels", "tags", "--json")
    assert columns.exit_code == 0 and lists.exit_code == 0, columns.output + lists.output
    a, b = json.loads(columns.stdout)["problem"], json.loads(lists.stdout)["problem"]
    ref = read(path, labels=["IT", "UK"])
    assert a["label_names"] == b["label_names"] == ["IT", "UK"]
    assert a["label_counts"] == b["label_counts"] == ref.Y_dense().sum(axis=0).tolist()
    count = invoke("inspect", path, "--labels", "2")  # a count of columns: here x1 and x2
    assert count.exit_code == 1 and "labels=2 takes the first 2 columns" in count.stderr
    assert "column x1: label 'x1' has value '0.1'" in count.stderr
    assert "Traceback" not in count.output


def test_labels_with_a_bundled_dataset_is_a_usage_error(invoke):
    for args in (["inspect", "emotions", "--labels", "3"], ["fit", "--labels", "3"]):
        result = invoke(*args)
        assert result.exit_code == 2 and "--labels applies to" in result.stderr
