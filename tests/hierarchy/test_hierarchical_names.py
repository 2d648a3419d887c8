"""HierarchicalClassifier takes label names from a DataFrame's columns, like every other model,
and a fit that fails leaves it unfitted."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from labelwise.models import HierarchicalClassifier

pd = pytest.importorskip("pandas")


def _data():
    rng = np.random.default_rng(0)
    X = rng.random((80, 4))
    Y = (rng.random((80, 3)) < 0.4).astype(int)
    Y[:, 0] = np.maximum(Y[:, 0], Y[:, 1])  # A.A1 implies A
    return X, pd.DataFrame(Y, columns=["A", "A.A1", "B"])


def test_dataframe_columns_are_the_label_names():
    X, Y = _data()
    model = HierarchicalClassifier(LogisticRegression(), hierarchy={"A.A1": "A"}).fit(X, Y)
    assert list(model.classes_) == ["A", "A.A1", "B"]
    # the same model fitted on label lists sees the same labels in the same order
    lists = [[name for name, v in zip(Y.columns, row, strict=True) if v] for row in Y.to_numpy()]
    by_lists = HierarchicalClassifier(LogisticRegression(), hierarchy={"A.A1": "A"}).fit(X, lists)
    np.testing.assert_allclose(model.predict_proba(X), by_lists.predict_proba(X))


def test_dataframe_names_let_the_dotted_hierarchy_be_found():
    X, Y = _data()
    Y.columns = ["A.A1", "A.A2", "B.B1"]  # enron-style names: the groups A and B are implicit
    model = HierarchicalClassifier(LogisticRegression(), cv=None).fit(X, Y)
    assert model.hierarchy_.parents["A.A1"] == ("A",)
    assert model.hierarchy_.parents["B.B1"] == ("B",)


def test_failed_fit_leaves_the_model_unfitted():
    X, Y = _data()
    model = HierarchicalClassifier(LogisticRegression(), hierarchy={"A.A1": "A"}).fit(X, Y)
    with pytest.raises(ValueError):
        model.fit(X, Y.iloc[:10])  # rows disagree: the earlier fit must not survive
    with pytest.raises(NotFittedError):
        model.predict(X)
