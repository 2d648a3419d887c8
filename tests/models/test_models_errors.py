"""Bad input to the models: each gets a labelwise error that says what, where and what to do."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from labelwise.errors import ProblemSetupError, ShapeError, TargetError
from labelwise.models import BinaryRelevance, LabelPowerset, MLkNN, OneVsOne, OneVsRest, RAkEL

pytestmark = pytest.mark.usefixtures("one_blas_thread")


MULTILABEL = [BinaryRelevance, LabelPowerset, RAkEL, lambda: MLkNN(k=2)]
IDS = ["BinaryRelevance", "LabelPowerset", "RAkEL", "MLkNN"]

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [2.0, 1.0], [1.0, 2.0]])
Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])


@pytest.mark.parametrize("make", MULTILABEL, ids=IDS)
@pytest.mark.parametrize(
    "bad", [Y[:, :1], Y[:, 0], sp.csr_matrix(Y[:, :1])], ids=["column", "1d", "sparse"]
)
def test_one_column_y(make, bad):
    with pytest.raises(TargetError, match=r"one column|1 label column.*at least 2"):
        make().fit(X, bad)


@pytest.mark.parametrize("make", MULTILABEL, ids=IDS)
def test_no_positive_anywhere(make):
    with pytest.raises(TargetError, match=r"no positive entry in any of its 2 labels and 6 rows"):
        make().fit(X, np.zeros_like(Y))


@pytest.mark.parametrize("make", MULTILABEL, ids=IDS)
def test_rows_mismatch_names_both_numbers(make):
    with pytest.raises(ShapeError, match=r"X has 6 rows \(samples\) but Y has 5"):
        make().fit(X, Y[:5])


@pytest.mark.parametrize("make", MULTILABEL, ids=IDS)
def test_predict_with_other_number_of_features(make):
    model = make().fit(X, Y)
    with pytest.raises(ShapeError, match=r"X has 3 features, but \w+ is expecting 2 features"):
        model.predict_proba(np.ones((2, 3)))
    with pytest.raises(ShapeError, match=r"X has 1 features"):
        model.predict(sp.csr_matrix(np.ones((2, 1))))


@pytest.mark.parametrize("make", MULTILABEL, ids=IDS)
def test_non_binary_y(make):
    bad = Y.copy()
    bad[2, 1] = 2
    with pytest.raises(TargetError, match=r"only 0 and 1; found 2 at row 2, column 1"):
        make().fit(X, bad)


@pytest.mark.parametrize("make", MULTILABEL, ids=IDS)
def test_multiclass_vector_given_to_multilabel_model(make):
    with pytest.raises(TargetError, match="one column"):
        make().fit(X, ["a", "b", "c", "a", "b", "c"])


@pytest.mark.parametrize("make", MULTILABEL, ids=IDS)
def test_missing_y_and_unfitted(make):
    with pytest.raises(TargetError, match="requires y to be passed"):
        make().fit(X, None)
    with pytest.raises(NotFittedError):
        make().predict_proba(X)


@pytest.mark.parametrize("cls", [OneVsRest, OneVsOne])
def test_multilabel_y_given_to_multiclass_model(cls):
    msg = r"1 of 6 examples have several labels and 1 have none"
    with pytest.raises(ProblemSetupError, match=msg):
        cls().fit(X, Y)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (MLkNN(k=0), "parameter 'k' must be an integer in"),
        (MLkNN(s=0.0), "parameter 's' must be a number in"),
        (MLkNN(algorithm="faiss"), "parameter 'algorithm' must be one of"),
        (RAkEL(mode="both"), "parameter 'mode' must be one of"),
        (RAkEL(k=0), "parameter 'k'"),
        (LabelPowerset(min_count=0), "parameter 'min_count'"),
        (LabelPowerset(strategy="C"), "parameter 'strategy'"),
        (BinaryRelevance(estimator="lr"), "parameter 'estimator' must be None or an estimator"),
        (OneVsOne(voting="soft"), "parameter 'voting'"),
    ],
)
def test_bad_parameters(model, message):
    with pytest.raises(ValueError, match=message):
        model.fit(X, Y if not isinstance(model, OneVsOne) else [0, 1, 2, 0, 1, 2])


def test_mlknn_needs_more_examples_than_k():
    with pytest.raises(ShapeError, match=r"k=6 neighbours need at least k \+ 1 = 7 .* got 6"):
        MLkNN(k=6).fit(X, Y)
