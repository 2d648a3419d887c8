"""JSON files holding a list of objects (the shared Reuters file's format)."""

from __future__ import annotations

import json

import pytest

import labelwise
from labelwise.errors import DataFormatError


def test_json_list_of_objects(tmp_path):
    p = tmp_path / "docs.json"
    p.write_text(json.dumps([{"text": "a", "labels": ["x", "y"]}, {"text": "b", "labels": []}]))
    ds = labelwise.read(p, labels="labels")
    assert ds.texts == ["a", "b"] and ds.label_lists() == [["x", "y"], []]
    noext = tmp_path / "docs"
    noext.write_text(p.read_text())
    assert labelwise.read(noext, labels="labels").label_names == ["x", "y"]


def test_json_errors_name_line_and_column(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('[{"text": "a"},\n {"text": }]')
    with pytest.raises(DataFormatError, match=r"bad.json, line 2, column 11: not valid JSON"):
        labelwise.read(p, labels="labels")
    p.write_text('{"text": "a"}')
    with pytest.raises(DataFormatError, match="must be a JSON list of objects"):
        labelwise.read(p, labels="labels")


def test_shared_reuters_file(datasets_dir):
    ds = labelwise.read(datasets_dir / "text" / "reuters21578_modapte_test.json", labels="labels")
    assert ds.n_samples == 3019 and ds.n_labels == 90
    assert abs(ds.Y.sum() / ds.n_samples - 1.24) < 0.005
