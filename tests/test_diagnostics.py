"""Dataset diagnostics against hand-computed values and published numbers."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from itertools import combinations

import numpy as np
import pytest
import scipy.sparse as sp

from labelwise.data import Dataset
from labelwise.diagnostics import diagnose, irlbl, scumble
from labelwise.errors import ShapeError

# 8 examples, 4 labels (a, b, c, d); d never occurs. Counts a=6, b=3, c=1.
Y_SMALL = np.array(
    [
        [1, 0, 0, 0],
        [1, 1, 0, 0],
        [1, 1, 0, 0],
        [1, 0, 1, 0],
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 0],
    ]
)
NAMES = ["a", "b", "c", "d"]


def test_counts_cardinality_sets_and_frequencies_by_hand():
    d = diagnose(Y_SMALL, X=np.zeros((8, 5)), label_names=NAMES, name="small")
    assert (d.n_samples, d.n_features, d.n_labels) == (8, 5, 4)
    assert d.cardinality == pytest.approx(10 / 8)
    assert d.density == pytest.approx(10 / 32)
    assert d.n_empty == 1
    # label sets: {a} x3, {a,b} x2, {a,c}, {b}, {} -> 5 distinct, 3 occur once
    assert (d.n_label_sets, d.n_label_sets_once) == (5, 3)
    assert d.label_counts == [6, 3, 1, 0]
    assert (d.frequency_min, d.frequency_median, d.frequency_max) == (0, 2.0, 6)
    assert d.rarest_labels[:2] == [("d", 0), ("c", 1)]
    assert d.never_occurring == ["d"] and d.always_occurring == []
    assert d.top_pairs == [("a", "b", 2), ("a", "c", 1)]
    three = diagnose(Y_SMALL[:, :3])
    assert (three.frequency_min, three.frequency_median, three.frequency_max) == (1, 3.0, 6)


def test_irlbl_and_mean_ir_follow_charte_2015():
    # IRLbl(l) = max count / count(l): a=6/6, b=6/3, c=6/1; d never occurs (excluded from MeanIR)
    d = diagnose(Y_SMALL, label_names=NAMES)
    assert d.irlbl[:3] == [1.0, 2.0, 6.0] and math.isinf(d.irlbl[3])
    assert d.mean_ir == pytest.approx(3.0)
    assert d.max_ir == 6.0
    np.testing.assert_array_equal(irlbl([5, 5]), [1.0, 1.0])


def test_scumble_by_hand():
    # {a,b}: IRLbl 1 and 2 -> 1 - sqrt(2)/1.5; {a,c}: 1 and 6 -> 1 - sqrt(6)/3.5; others 0.
    ab = 1 - math.sqrt(2) / 1.5
    ac = 1 - math.sqrt(6) / 3.5
    total, per_example, per_label = scumble(Y_SMALL)
    np.testing.assert_allclose(per_example, [0, ab, ab, ac, 0, 0, 0, 0])
    assert total == pytest.approx((2 * ab + ac) / 8)
    np.testing.assert_allclose(per_label, [(2 * ab + ac) / 6, 2 * ab / 3, ac, 0.0])
    assert diagnose(Y_SMALL).scumble == pytest.approx(total)


def _slow_scumble(Y):
    """Straight from the definition: per example 1 - geometric mean / arithmetic mean of IRLbl."""
    counts = Y.sum(axis=0)
    ir = [max(counts) / c if c else math.inf for c in counts]
    values = []
    for row in Y:
        irs = [ir[j] for j in np.flatnonzero(row)]
        if not irs:
            values.append(0.0)
            continue
        gm = math.prod(irs) ** (1 / len(irs))
        values.append(1 - gm / (sum(irs) / len(irs)))
    return sum(values) / len(values)


def test_scumble_matches_slow_definition_on_random_data():
    rng = np.random.default_rng(0)
    Y = (rng.random((200, 7)) < np.geomspace(0.5, 0.02, 7)).astype(int)
    assert scumble(Y)[0] == pytest.approx(_slow_scumble(Y), rel=1e-12)
    assert scumble(sp.csr_matrix(Y))[0] == pytest.approx(_slow_scumble(Y), rel=1e-12)


def test_scumble_zero_when_labels_equally_frequent():
    Y = np.array([[1, 1, 1], [1, 1, 1], [0, 0, 0]])
    assert scumble(Y)[0] == 0.0


def test_powerset_feasibility_numbers():
    d = diagnose(Y_SMALL, label_names=NAMES, hidden_width=100)
    p = d.powerset
    assert (p.n_possible, p.n_observed) == (16, 5)
    assert p.examples_per_set_mean == pytest.approx(8 / 5)
    assert p.examples_per_set_median == 1.0  # set sizes 3, 2, 1, 1, 1
    assert p.share_sets_once == pytest.approx(3 / 5)
    assert (p.sigmoid_units, p.sigmoid_params) == (4, 404)
    assert (p.full_softmax_units, p.full_softmax_params) == (16, 1616)
    assert (p.observed_softmax_units, p.observed_softmax_params) == (5, 505)


def _mulan_Y(mulan_dir, name):
    arff = pytest.importorskip("arff")
    root = ET.parse(mulan_dir / f"{name}.xml").getroot()
    labels = [e.get("name") for e in root.iter() if e.tag.endswith("label")]
    parts = ["train", "test"] if name != "medical" else [None]
    blocks = []
    for part in parts:
        path = mulan_dir / (f"{name}-{part}.arff" if part else f"{name}.arff")
        with open(path) as f:
            data = arff.load(f)
        attrs = [a[0].replace("\\'", "'") for a in data["attributes"]]
        cols = [attrs.index(n) for n in labels]
        blocks.append(np.array([[int(float(r[c])) for c in cols] for r in data["data"]]))
    return np.vstack(blocks)


# MeanIR and SCUMBLE published in Charte, Rivera, del Jesus and Herrera, "Addressing imbalance in
# multilabel classification: measures and random resampling algorithms", Neurocomputing 163
# (2015), dataset characteristics table (full datasets, train + test pooled).
@pytest.mark.parametrize(
    ("name", "mean_ir", "scumble_value", "cardinality"),
    [
        ("emotions", 1.478, 0.011, 1.869),
        ("yeast", 7.197, 0.104, 4.237),
        ("scene", 1.254, 0.000, 1.074),
        ("enron", 73.953, 0.303, 3.378),
    ],
)
def test_published_values_on_mulan(mulan_dir, name, mean_ir, scumble_value, cardinality):
    d = diagnose(_mulan_Y(mulan_dir, name))
    assert d.mean_ir == pytest.approx(mean_ir, abs=5e-4)
    assert d.scumble == pytest.approx(scumble_value, abs=5e-4)
    assert d.cardinality == pytest.approx(cardinality, abs=1e-3)


def test_to_dict_is_json_safe_and_complete():
    d = diagnose(Dataset(X=np.zeros((8, 2)), Y=Y_SMALL, label_names=NAMES, name="small"))
    out = json.loads(json.dumps(d.to_dict(), allow_nan=False))
    assert out["name"] == "small" and out["n_features"] == 2
    assert out["irlbl"][3] is None  # inf -> null
    assert out["powerset"]["n_possible"] == 16
    assert out["top_pairs"][0] == ["a", "b", 2]
    assert out["recommendation"] == d.recommendation


def test_text_rendering_shows_the_numbers():
    text = str(diagnose(Y_SMALL, label_names=NAMES, name="small", hidden_width=100))
    for piece in ["Dataset small", "label cardinality", "1.250", "MeanIR", "3.000", "SCUMBLE",
                  "a + b: 2", "2^4 = 16", "1,616", "Recommendation:", "never occur"]:  # fmt: skip
        assert piece in text, piece


def _dependent_labels(n, L, seed):
    rng = np.random.default_rng(seed)
    base = rng.random((n, 1)) < 0.5
    return ((rng.random((n, L)) < 0.15) | (base & (rng.random((n, L)) < 0.6))).astype(int)


def test_recommendations_follow_the_documented_rules():
    one_hot = np.eye(3, dtype=int)[np.arange(30) % 3]
    assert diagnose(one_hot).recommendation == "multi-class (softmax)"
    few_sets = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]] * 20)
    assert diagnose(few_sets).recommendation == "label powerset"
    rng = np.random.default_rng(1)
    independent = (rng.random((400, 12)) < 0.1).astype(int)
    d = diagnose(independent)
    assert d.mean_abs_phi < 0.05 and d.recommendation == "binary relevance"
    assert diagnose(_dependent_labels(300, 10, 0)).recommendation == "classifier chains"
    d = diagnose(_dependent_labels(300, 30, 0))
    assert d.recommendation == "RAkEL" and "k = 3" in d.reason


def test_mean_abs_phi_matches_numpy_corrcoef():
    Y = _dependent_labels(200, 5, 3)
    r = np.corrcoef(Y.T)
    expected = np.mean([abs(r[i, j]) for i, j in combinations(range(5), 2)])
    assert diagnose(Y).mean_abs_phi == pytest.approx(expected)


def test_label_lists_and_sparse_input_agree():
    lists = [["a"], ["a", "b"], ["a", "b"], ["a", "c"], ["a"], ["b"], ["a"], []]
    a = diagnose(lists).to_dict()
    b = diagnose(sp.csr_matrix(Y_SMALL[:, :3]), label_names=["a", "b", "c"]).to_dict()
    assert a == b


def test_bad_input():
    with pytest.raises(ShapeError, match="3 label names were given for 4 label columns"):
        diagnose(Y_SMALL, label_names=["a", "b", "c"])
    with pytest.raises(ShapeError, match="X has 2 rows but the targets have 8"):
        diagnose(Y_SMALL, X=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="hidden_width"):
        diagnose(Y_SMALL, hidden_width=0)
    with pytest.raises(ValueError, match="only 0 and 1"):
        diagnose([[0.2, 1.0]])
