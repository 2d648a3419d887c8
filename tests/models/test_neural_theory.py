"""The theory behind NeuralClassifier's heads and losses, checked against independent references.

* Autograd gradients with respect to the logits: softmax + cross-entropy gives ``p - y``,
  sigmoid + binary cross-entropy gives ``sigmoid(z) - y`` (closed forms, not torch's own).
* A softmax cannot give two labels a probability above 0.5 (they share one unit); a sigmoid head
  can, demonstrated on data where every example has two labels.
* The label-powerset head's output layer has exactly the parameter count that
  ``labelwise inspect`` prints (via :func:`labelwise.diagnostics.diagnose`).
* The losses against formulas written out in NumPy (Lin et al. 2017; Ridnik et al. 2021) and
  against PyTorch's ``BCEWithLogitsLoss``.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from labelwise.decision import FixedThreshold  # noqa: E402
from labelwise.diagnostics import diagnose  # noqa: E402
from labelwise.models import NeuralClassifier, losses  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _logits(n=6, c=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=2.0, size=(n, c))


# ------------------------------------------------------------------ gradients


def test_softmax_cross_entropy_gradient_is_p_minus_y():
    z_np = _logits()
    classes = np.array([0, 3, 1, 1, 2, 0])
    z = torch.tensor(z_np, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(z, torch.tensor(classes), reduction="sum")
    loss.backward()
    p = np.exp(z_np - z_np.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = np.eye(4)[classes]
    np.testing.assert_allclose(z.grad.numpy(), p - y, atol=1e-12)


def test_sigmoid_bce_gradient_is_sigmoid_minus_y():
    z_np = _logits()
    y = (np.random.default_rng(1).random(z_np.shape) < 0.4).astype(float)
    z = torch.tensor(z_np, requires_grad=True)
    losses.binary_cross_entropy(z, torch.tensor(y), reduction="sum").backward()
    np.testing.assert_allclose(z.grad.numpy(), _sigmoid(z_np) - y, atol=1e-12)


@pytest.mark.parametrize("head", ["sigmoid", "softmax"])
def test_the_estimators_own_loss_has_the_textbook_gradient(head):
    """The loss NeuralClassifier trains with (a mean over n entries) has gradient (p - y) / n."""
    z_np = _logits(n=5, c=3)
    rng = np.random.default_rng(2)
    if head == "sigmoid":
        Y = (rng.random((5, 3)) < 0.5).astype(np.int8)
        target = torch.tensor(Y, dtype=torch.float64)
        expected = (_sigmoid(z_np) - Y) / Y.size
    else:
        classes = np.array([0, 2, 1, 2, 0])
        Y = np.eye(3, dtype=np.int8)[classes]
        target = torch.tensor(classes)
        p = np.exp(z_np) / np.exp(z_np).sum(axis=1, keepdims=True)
        expected = (p - Y) / 5
    loss_fn = NeuralClassifier(loss="auto")._loss_function(head, Y)
    z = torch.tensor(z_np, requires_grad=True)
    loss_fn(z, target).backward()
    np.testing.assert_allclose(z.grad.numpy(), expected, atol=1e-12)


# ------------------------------------------------------------------ softmax vs sigmoid


def _two_labels_each(n=240, seed=0):
    """Every example has exactly two of four labels, decided by the signs of two features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    Y = np.zeros((n, 4), dtype=np.int8)
    Y[np.arange(n), (X[:, 0] > 0).astype(int)] = 1  # label 0 or 1
    Y[np.arange(n), 2 + (X[:, 1] > 0).astype(int)] = 1  # label 2 or 3
    return X, Y


def test_softmax_head_cannot_give_two_labels_above_one_half_but_sigmoid_can():
    X, Y = _two_labels_each()
    common = dict(
        hidden_layer_sizes=(16,),
        dropout=0.0,
        learning_rate=0.02,
        max_epochs=60,
        early_stopping=False,
        random_state=0,
    )
    common["decision_rule"] = FixedThreshold(0.5)  # the claim is about the 0.5 cut
    sigmoid = NeuralClassifier(**common).fit(X, Y)
    softmax = NeuralClassifier(head="softmax", force=True, **common).fit(X, Y)
    P_sig, P_soft = sigmoid.predict_proba(X), softmax.predict_proba(X)
    np.testing.assert_allclose(P_soft.sum(axis=1), 1.0, atol=1e-5)
    assert (P_soft > 0.5).sum(axis=1).max() <= 1  # impossible to have two above 0.5
    # trained well, the softmax spreads ~1/2 over each example's two labels
    assert np.mean(np.sum(P_soft * Y, axis=1)) > 0.8
    assert (softmax.predict(X).sum(axis=1) == 2).mean() == 0.0
    # the sigmoid head puts both true labels above 0.5 for almost every example
    both = ((P_sig > 0.5) & (Y == 1)).sum(axis=1) == 2
    assert both.mean() > 0.9
    assert (sigmoid.predict(X) == Y).all(axis=1).mean() > 0.9


# ------------------------------------------------------------------ powerset parameter count


@pytest.mark.parametrize("hidden", [(12,), (8, 20), ()])
def test_powerset_head_parameter_count_is_what_inspect_prints(hidden):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    sets = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1]])
    Y = sets[rng.integers(0, len(sets), size=300)]
    model = NeuralClassifier(
        hidden_layer_sizes=hidden, head="powerset", max_epochs=2, random_state=0
    ).fit(X, Y)
    width = hidden[-1] if hidden else X.shape[1]
    d = diagnose(Y, X=X, hidden_width=width)
    out_params = sum(p.numel() for p in model.module_[-1].parameters())
    assert out_params == d.powerset.observed_softmax_params == (width + 1) * 5
    assert model.label_sets_.shape == (5, 3)
    printed = str(d)  # the text `labelwise inspect` shows
    line = next(x for x in printed.splitlines() if "softmax over observed sets" in x)
    assert line.split()[-1] == f"{out_params:,}"
    sigmoid = NeuralClassifier(hidden_layer_sizes=hidden, max_epochs=1, random_state=0).fit(X, Y)
    sig_params = sum(p.numel() for p in sigmoid.module_[-1].parameters())
    assert sig_params == d.powerset.sigmoid_params


def test_powerset_marginals_are_joint_times_label_sets():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    sets = np.array([[1, 0], [0, 1], [1, 1]])
    Y = sets[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)]
    model = NeuralClassifier((8,), head="powerset", max_epochs=5, random_state=0).fit(X, Y)
    P, label_sets = model.predict_joint_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(model.predict_proba(X), P @ label_sets, atol=1e-12)


# ------------------------------------------------------------------ losses against formulas


def _case(seed=3, shape=(7, 5)):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3.0, size=shape)
    y = (rng.random(shape) < 0.3).astype(float)
    return z, y, torch.tensor(z), torch.tensor(y)


def _bce_np(z, y, w=None):
    p = _sigmoid(z)
    w = np.ones(z.shape[1]) if w is None else w
    return -(w * y * np.log(p) + (1 - y) * np.log(1 - p))


def test_bce_matches_the_formula_and_torch_with_pos_weight():
    z, y, zt, yt = _case()
    w = np.array([1.0, 2.0, 0.5, 7.0, 3.0])
    ours = losses.binary_cross_entropy(zt, yt, pos_weight=torch.tensor(w))
    ref = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w))(zt, yt)
    assert float(ours) == pytest.approx(float(ref), rel=1e-12)
    assert float(ours) == pytest.approx(_bce_np(z, y, w).mean(), rel=1e-10)


def test_focal_with_gamma_zero_is_bce_and_matches_the_formula():
    z, y, zt, yt = _case()
    assert float(losses.focal_loss(zt, yt, gamma=0.0)) == pytest.approx(
        float(losses.binary_cross_entropy(zt, yt)), rel=1e-12
    )
    p = _sigmoid(z)
    p_t = np.where(y == 1, p, 1 - p)
    alpha_t = np.where(y == 1, 0.25, 0.75)
    ref = -(alpha_t * (1 - p_t) ** 2 * np.log(p_t))
    ours = losses.focal_loss(zt, yt, gamma=2.0, alpha=0.25, reduction="none")
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-9)


def test_asymmetric_loss_reduces_to_bce_and_matches_the_paper():
    z, y, zt, yt = _case()
    plain = losses.asymmetric_loss(zt, yt, gamma_neg=0.0, gamma_pos=0.0, clip=0.0)
    assert float(plain) == pytest.approx(float(losses.binary_cross_entropy(zt, yt)), rel=1e-12)
    # Ridnik et al. (2021), eq. 7-9: L+ = (1-p)^g+ log p, L- = p_m^g- log(1-p_m), p_m = max(p-m, 0)
    g_neg, g_pos, m = 4.0, 1.0, 0.05
    p = _sigmoid(z)
    p_m = np.maximum(p - m, 0.0)
    ref = -(y * (1 - p) ** g_pos * np.log(p) + (1 - y) * p_m**g_neg * np.log(1 - p_m))
    ours = losses.asymmetric_loss(
        zt, yt, gamma_neg=g_neg, gamma_pos=g_pos, clip=m, reduction="none"
    )
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-9, atol=1e-15)
    # easy negatives (p < m) cost nothing
    easy = (y == 0) & (p < m)
    assert easy.any() and np.all(ours.numpy()[easy] == 0)


def test_softmax_focal_loss_matches_the_formula():
    z = _logits(n=6, c=4, seed=5)
    classes = np.array([0, 1, 2, 3, 3, 1])
    zt, ct = torch.tensor(z), torch.tensor(classes)
    assert float(losses.softmax_focal_loss(zt, ct, gamma=0.0)) == pytest.approx(
        float(torch.nn.functional.cross_entropy(zt, ct)), rel=1e-12
    )
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    p_t = p[np.arange(6), classes]
    ref = np.mean(-((1 - p_t) ** 2) * np.log(p_t))
    assert float(losses.softmax_focal_loss(zt, ct, gamma=2.0)) == pytest.approx(ref, rel=1e-10)


def test_losses_stay_finite_for_extreme_logits():
    zt = torch.tensor([[80.0, -80.0], [-80.0, 80.0]], dtype=torch.float32)
    yt = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    for value in (
        losses.binary_cross_entropy(zt, yt),
        losses.focal_loss(zt, yt),
        losses.asymmetric_loss(zt, yt),
    ):
        assert torch.isfinite(value)
