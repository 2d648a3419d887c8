"""Hierarchy: construction from names, parent and group mappings (dicts and JSON files), DAGs,
the errors for bad hierarchies, ancestors added to label sets, violations and label checks."""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pytest

from labelwise.data import Hierarchy
from labelwise.errors import DataFormatError, LabelwiseWarning, TargetError, UnknownLabelError

GROUPS = {"animal": ["mammal", "bird"], "mammal": ["cat", "dog"], "vehicle": ["car"]}


def test_group_and_parent_mappings_give_the_same_tree():
    h = Hierarchy.from_groups(GROUPS, tree=True)
    parents = {
        "animal": None,
        "mammal": "animal",
        "bird": "animal",
        "cat": "mammal",
        "dog": "mammal",
        "vehicle": None,
        "car": "vehicle",
    }
    assert h == Hierarchy.from_parents(parents, tree=True)
    assert h.parent == parents
    assert h.roots == ["animal", "vehicle"]
    assert h.ancestors("cat") == ["mammal", "animal"]
    assert h.descendants("animal") == ["mammal", "bird", "cat", "dog"]
    assert [h.depth(n) for n in ("animal", "bird", "dog")] == [0, 1, 2]
    assert h.levels() == [["animal", "vehicle"], ["mammal", "bird", "car"], ["cat", "dog"]]
    assert h.is_tree and not h.is_trivial()


def test_json_files(tmp_path):
    groups = tmp_path / "groups.json"
    groups.write_text(json.dumps(GROUPS))
    parents = tmp_path / "parents.json"
    parents.write_text(json.dumps({"a": None, "b": None, "c": ["a", "b"]}))
    assert Hierarchy.from_groups(groups) == Hierarchy.from_groups(GROUPS)
    dag = Hierarchy.from_parents(parents)
    assert dag.parents["c"] == ("a", "b") and not dag.is_tree
    assert dag.to_dict() == {"a": None, "b": None, "c": ["a", "b"]}


def test_json_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "a": null,\n  "b": "a",,\n}')
    with pytest.raises(DataFormatError, match=r"bad.json, line 3, column \d+: not valid JSON"):
        Hierarchy.from_parents(bad)
    bad.write_text('["a", "b"]')
    with pytest.raises(DataFormatError, match="must be a JSON object; found a list"):
        Hierarchy.from_groups(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Hierarchy.from_groups(tmp_path / "missing.json")


def test_cycles_are_named_with_their_path(tmp_path):
    with pytest.raises(TargetError, match=r"cycle through 'a': a -> b -> c -> a"):
        Hierarchy({"a": "b", "b": ["c"], "c": "a", "d": None})
    with pytest.raises(TargetError, match="cycle"):
        Hierarchy.from_groups({"x": ["y"], "y": ["x"]})
    with pytest.raises(TargetError, match="label 'self' is its own parent"):
        Hierarchy({"self": "self"})
    with pytest.raises(TargetError, match="label 'b' is its own parent"):
        Hierarchy({"a": None, "b": ["a", "b"]})
    path = tmp_path / "cyc.json"
    path.write_text(json.dumps({"x": ["y"], "y": ["x"]}))
    with pytest.raises(TargetError, match=r"cyc.json: the label hierarchy has a cycle"):
        Hierarchy.from_groups(path)


def test_two_parents_only_where_a_tree_was_asked_for():
    groups = {"pet": ["dog"], "mammal": ["dog"]}
    dag = Hierarchy.from_groups(groups)
    assert dag.parents["dog"] == ("pet", "mammal")
    with pytest.raises(TargetError, match=r"'dog' has 2 parents \('pet', 'mammal'\).*tree=True"):
        Hierarchy.from_groups(groups, tree=True)
    with pytest.raises(TargetError, match="tree=True"):
        Hierarchy.from_parents({"pet": None, "mammal": None, "dog": ["pet", "mammal"]}, tree=True)
    with pytest.raises(TargetError, match=r"DAG.*use \.parents"):
        _ = dag.parent


def test_parents_that_are_no_keys_are_roots():
    h = Hierarchy.from_parents({"A.A1": "A", "A.A2": "A", "B.B1": ["B", "A"]})
    assert h.labels == ["A.A1", "A.A2", "B.B1", "A", "B"]  # keys first, then implicit roots
    assert h.roots == ["A", "B"]
    assert h.parents["B.B1"] == ("B", "A") and h.parents["A"] == ()
    assert h.children("A") == ["A.A1", "A.A2", "B.B1"]
    # the same tree as when the roots are named
    assert h == Hierarchy({"A.A1": "A", "A.A2": "A", "B.B1": ["B", "A"], "A": None, "B": None})


def test_bad_values_name_the_entry():
    with pytest.raises(TargetError, match="must list its children"):
        Hierarchy.from_groups({"animal": "cat"})
    with pytest.raises(TargetError, match="the parent of 'cat' is 3"):
        Hierarchy({"cat": 3})
    with pytest.raises(TargetError, match="label 'cat' lists parent 3, which is not a label name"):
        Hierarchy({"cat": ["animal", 3]})
    with pytest.raises(TargetError, match="label 'cat' lists parent '', which is not a label"):
        Hierarchy({"cat": ""})
    with pytest.raises(TargetError, match=r"key \(1, 2\), which is not a label name"):
        Hierarchy({(1, 2): None})
    with pytest.raises(TargetError, match="key None, which is not a label name"):
        Hierarchy({None: "a"})
    with pytest.raises(TargetError, match="label '1' is given twice"):
        Hierarchy({1: None, "1": None})
    with pytest.raises(TargetError, match="expected a mapping of label -> parent; got a list"):
        Hierarchy(["a", "b"])
    assert Hierarchy({0: "g", 1: "g"}).parent == {"0": "g", "1": "g", "g": None}  # class ids


def test_json_file_bounds(tmp_path, monkeypatch):
    import labelwise.data.hierarchy as module

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataFormatError, match=r"deep\.json: the JSON document is nested too deep"):
        Hierarchy.from_parents(deep)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"caf\xe9": null}')
    with pytest.raises(DataFormatError, match=r"latin.json: not UTF-8 text \(byte offset 5\)"):
        Hierarchy.from_parents(latin)
    monkeypatch.setattr(module, "MAX_FILE_BYTES", 10)
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"a": None, "b": "a"}))
    with pytest.raises(DataFormatError, match="has 21 bytes, above the limit of 10"):
        Hierarchy.from_parents(big)


def test_dag_ancestors_once_and_depth_is_longest_path():
    h = Hierarchy({"r": None, "a": "r", "b": "a", "c": ["r", "b"]})
    assert h.ancestors("c") == ["r", "b", "a"]
    assert h.depth("c") == 3  # below b, although also directly under r
    assert h.levels() == [["r"], ["a"], ["b"], ["c"]]


def _closed_by_hand(h, rows):
    out = []
    for row in rows:
        s = set(row)
        for lab in row:
            s |= set(h.ancestors(lab))
        out.append(s)
    return out


def test_add_ancestors_lists_and_matrix_against_sets():
    h = Hierarchy.from_groups(GROUPS)
    names = h.labels
    rows = [["cat"], ["dog", "car"], [], ["bird", "cat"]]
    got = h.add_ancestors(rows)
    assert [set(r) for r in got] == _closed_by_hand(h, rows)
    assert got[0] == ["cat", "mammal", "animal"]  # nearest first
    Y = np.array([[n in r for n in names] for r in rows], dtype=int)
    M = h.add_ancestors(Y, names)
    assert M.dtype == np.int8
    want = _closed_by_hand(h, rows)
    np.testing.assert_array_equal(M, [[n in w for n in names] for w in want])
    with pytest.raises(UnknownLabelError, match="'zebra' \\(column 0\\)"):
        h.add_ancestors([[1]], ["zebra"])


def test_violations_count_each_link():
    h = Hierarchy.from_groups(GROUPS)
    names = ["animal", "mammal", "cat", "dog", "car"]  # vehicle and bird are no columns
    Y = np.array(
        [
            [1, 1, 1, 0, 0],  # fine
            [0, 1, 1, 0, 0],  # mammal without animal
            [1, 0, 1, 1, 0],  # cat and dog without mammal
            [0, 0, 1, 0, 1],  # cat without mammal; car's parent vehicle is no column
        ]
    )
    v = h.violations(Y, names)
    assert v.n_samples == 4 and v.n_violating_rows == 3
    assert sorted(v.pairs) == [("cat", "mammal", 2), ("dog", "mammal", 1), ("mammal", "animal", 1)]
    assert v.pairs[0] == ("cat", "mammal", 2)  # most frequent first
    assert "3 of 4 rows have a label without its parent" in str(v)
    assert not h.violations(Y[:1], names)


def test_check_labels_missing_and_unused():
    h = Hierarchy.from_groups(GROUPS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h.check_labels(["cat", "dog", "bird", "car"])  # implicit ancestors are fine
    with pytest.raises(UnknownLabelError, match=r"label 'zebra' \(column 1\) and 1 more"):
        h.check_labels(["cat", "zebra", "horse"])
    unused = r"names 3 label\(s\) that the data lacks \('dog', 'vehicle', 'car'\)"
    with pytest.warns(LabelwiseWarning, match=unused):
        h.check_labels(["cat", "bird"])


def test_from_names_matches_brute_prefix_rule():
    names = ["A", "A.A1", "A.A1.x", "B", "C.C1"]
    h = Hierarchy.from_names(names)
    for n in names:
        prefixes = [".".join(n.split(".")[:k]) for k in range(1, n.count(".") + 1)]
        expected = [p for p in reversed(prefixes) if p in names][:1]
        assert list(h.parents[n]) == expected


def test_ancestor_matrix_equals_ancestors_on_all_pairs():
    h = Hierarchy({"r": None, "a": "r", "b": "a", "c": ["r", "b"], "z": None})
    A = h.ancestor_matrix(h.labels)
    for (i, x), (j, y) in itertools.product(enumerate(h.labels), repeat=2):
        assert A[i, j] == (x == y or y in h.ancestors(x))
