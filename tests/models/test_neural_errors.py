"""Bad input to NeuralClassifier: each mistake gets a clear labelwise error that says what to do."""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from labelwise.errors import (  # noqa: E402
    ProblemSetupError,
    ProblemSetupWarning,
    ShapeError,
    TargetError,
)
from labelwise.models import NeuralClassifier, _torch  # noqa: E402
from labelwise.models._torch import resolve_device  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0.5]).astype(int)
    return X, Y


def small(**kw):
    kw.setdefault("hidden_layer_sizes", (8,))
    kw.setdefault("max_epochs", 3)
    kw.setdefault("random_state", 0)
    return NeuralClassifier(**kw)


def test_nan_loss_names_learning_rate_and_scaling():
    X, Y = _data()
    with pytest.raises(ProblemSetupError, match=r"NaN .* epoch \d+.*learning rate \(1e\+30\)"):
        small(learning_rate=1e30).fit(X, Y)


def test_nan_loss_from_unscaled_inputs_reports_the_largest_value():
    X, Y = _data()
    X[:10] = 3e38  # overflows float32 arithmetic in the first layer
    with pytest.raises(ProblemSetupError, match=r"inputs are not scaled \(the largest absolute"):
        small().fit(X, Y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a CUDA GPU")
def test_cuda_requested_but_absent():
    X, Y = _data()
    with pytest.raises(ProblemSetupError, match=r"CUDA is not available.*device='auto'"):
        small(device="cuda").fit(X, Y)
    assert resolve_device("auto").type == "cpu"  # auto falls back to the CPU
    assert small(device="auto").fit(X, Y).predict_proba(X).shape == Y.shape


def test_missing_torch_names_the_extra(monkeypatch):
    real = importlib.import_module

    def no_torch(name, *args, **kwargs):
        if name == "torch":
            raise ModuleNotFoundError("No module named 'torch'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(_torch.importlib, "import_module", no_torch)
    X, Y = _data()
    with pytest.raises(ImportError, match=r'pip install "labelwise\[torch\]"'):
        small().fit(X, Y)


def test_importing_models_does_not_import_torch():
    code = (
        "import sys, labelwise, labelwise.models; "
        "from labelwise.models import NeuralClassifier; "
        "NeuralClassifier(); assert 'torch' not in sys.modules, 'torch imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_powerset_head_too_large_is_refused_with_inspect_numbers():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)).astype(np.float32)
    Y = (rng.random((200, 10)) < 0.3).astype(int)  # ~190 distinct sets of 10 labels
    with pytest.raises(ProblemSetupError) as err:
        small(head="powerset", hidden_layer_sizes=(32,)).fit(X, Y)
    msg = str(err.value)
    n_sets = len(np.unique(Y, axis=0))
    assert f"{n_sets:,} observed label sets" in msg and "2^10 = 1,024" in msg
    assert f"{33 * n_sets:,}" in msg and f"{33 * 10:,}" in msg  # output-layer parameters
    assert "force=True" in msg
    model = small(head="powerset", hidden_layer_sizes=(32,), force=True).fit(X, Y)
    assert model.label_sets_.shape == (n_sets, 10)


def test_softmax_on_multilabel_is_refused_with_the_explanation():
    X, Y = _data()
    with pytest.raises(ProblemSetupError, match="compete for one unit of probability"):
        small(head="softmax").fit(X, Y)
    forced = small(head="softmax", force=True)
    with pytest.warns(ProblemSetupWarning, match="without labels are left out"):
        forced.fit(X, Y)
    np.testing.assert_allclose(forced.predict_proba(X).sum(axis=1), 1.0, atol=1e-5)


def test_loss_that_does_not_suit_the_head():
    X, Y = _data()
    y = np.argmax(X[:, :3], axis=1)
    with pytest.raises(ProblemSetupError, match="loss='bce' is a loss of one sigmoid per label"):
        small(loss="bce").fit(X, y)
    with pytest.raises(ProblemSetupError, match="'cross_entropy' is the loss of a softmax"):
        small(loss="cross_entropy").fit(X, Y)
    with pytest.raises(ProblemSetupError, match=r"pos_weight .* needs head='sigmoid'"):
        small(loss="focal", pos_weight="balanced").fit(X, Y)
    with pytest.raises(ProblemSetupError, match=r"loss_params \['gama'\] .* takes: gamma, alpha"):
        small(loss="focal", loss_params={"gama": 2}).fit(X, Y)


def test_pos_weight_of_the_wrong_length():
    X, Y = _data()
    with pytest.raises(ShapeError, match="pos_weight has 2 values but y has 3 labels"):
        small(pos_weight=[1.0, 2.0]).fit(X, Y)


@pytest.mark.parametrize(
    ("param", "value", "match"),
    [
        ("hidden_layer_sizes", (8, 0), "hidden_layer_sizes"),
        ("dropout", 1.0, "dropout"),
        ("monitor", "f1", "monitor"),
        ("lr_schedule", "linear", "lr_schedule"),
        ("loss", "hinge", "loss"),
        ("pos_weight", [1.0, -1.0, 1.0], "pos_weight"),
        ("device", "tpu", "device"),
    ],
)
def test_bad_parameters_name_the_parameter(param, value, match):
    X, Y = _data()
    with pytest.raises(ValueError, match=f"parameter '{match}'"):
        small(**{param: value}).fit(X, Y)


def test_rule_with_class_targets_is_refused():
    from labelwise.decision import FixedThreshold

    X, _ = _data()
    with pytest.raises(ProblemSetupError, match="decision_rule decides label sets"):
        small(decision_rule=FixedThreshold(0.3)).fit(X, np.argmax(X[:, :3], axis=1))


def test_rows_of_x_and_y_must_match():
    X, Y = _data()
    with pytest.raises(ShapeError, match=r"X has 120 rows .* y has 100"):
        small().fit(X, Y[:100])


def test_predict_with_other_features_or_unfitted():
    X, Y = _data()
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        small().predict_proba(X)
    model = small().fit(X, Y)
    with pytest.raises(ShapeError, match="X has 3 features, but NeuralClassifier is expecting 4"):
        model.predict_proba(X[:, :3])


def test_nan_features_and_missing_y():
    X, Y = _data()
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        small().fit(bad, Y)
    with pytest.raises(TargetError, match="requires y to be passed"):
        small().fit(X, None)


@pytest.mark.filterwarnings("ignore:.*never occurs:labelwise.errors.ProblemSetupWarning")
def test_too_few_rows_for_validation_warn_and_train_on_all():
    X, Y = _data(n=4)
    with pytest.warns(ProblemSetupWarning, match="too few to hold out"):
        model = small(validation_fraction=0.1).fit(X, Y)
    assert model.best_score_ is None and model.n_epochs_ == 3
