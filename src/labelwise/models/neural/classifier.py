"""A multi-layer perceptron whose output layer follows the problem: NeuralClassifier (PyTorch).

The output layer and loss follow :func:`labelwise.problem.describe`: one sigmoid per label with
binary cross-entropy for multi-label targets; a softmax with cross-entropy for multi-class targets;
on request a *label-powerset* head, a softmax over the label sets observed in training. A softmax
over multi-label targets makes the labels compete for one unit of probability (an example with two
true labels can have at most one above 0.5), so it is refused unless forced.

torch is imported inside the methods only: importing this module (or :mod:`labelwise.models`)
does not import it, and a missing torch gives an error naming the ``torch`` extra.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from labelwise._inputs import align_label_names
from labelwise._validation import Interval, Options, is_callable
from labelwise.data.targets import _is_label_lists, as_array, carries_names, check_targets
from labelwise.decision._base import DecisionRule
from labelwise.errors import ProblemSetupError, ProblemSetupWarning, ShapeError, TargetError
from labelwise.models._base import decided_rule, default_rule, fit_context
from labelwise.models._input_checks import ACCEPT_SPARSE, check_predict_X
from labelwise.models.neural import heads
from labelwise.models.neural import state as _state
from labelwise.models.neural._torch import DEVICES, import_torch, resolve_device
from labelwise.models.neural.heads import HEADS, NAMED_LOSSES
from labelwise.problem import describe, warn_constant_labels
from labelwise.split import iterative_stratification

__all__ = ["NeuralClassifier"]

SCHEDULES = (None, "cosine", "onecycle", "plateau")
STATE_FORMAT = _state.STATE_FORMAT


def _hidden_sizes(value: Any) -> bool:
    """a tuple of positive integers (the widths of the hidden layers; () for none)"""
    try:
        sizes = tuple(value)
    except TypeError:
        return False
    return all(isinstance(h, numbers.Integral) and not isinstance(h, bool) and h > 0 for h in sizes)


def _pos_weight(value: Any) -> bool:
    """None, 'balanced' or an array of positive per-label weights"""
    if value is None or (isinstance(value, str) and value == "balanced"):
        return True
    try:
        w = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return w.ndim == 1 and bool(np.all(np.isfinite(w) & (w > 0)))


def _monitor(value: Any) -> bool:
    """one of the monitor names of labelwise.models.NeuralClassifier (see its docstring)"""
    from labelwise.models.neural.training import MONITORS

    return isinstance(value, str) and value in MONITORS


def _has_powerset_head(self: NeuralClassifier) -> bool:
    return self.head == "powerset"


class NeuralClassifier(ClassifierMixin, BaseEstimator):
    """A multi-layer perceptron with the output layer the problem needs, trained with AdamW.

    ``predict_proba`` gives scores for the decision rules: the (n_samples, n_labels) positive
    probabilities for multi-label targets, the (n_samples, n_classes) class probabilities for
    multi-class ones. ``predict`` is ``decision_rule.predict(predict_proba(X))`` for label sets and
    the most probable class for class targets.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(512,)
        Widths of the hidden layers; ``()`` gives a linear model (logistic regression).
    activation : {"relu", "gelu", "tanh", "logistic"}, default="relu"
    dropout : float in [0, 1), default=0.5
        Dropout after each hidden layer; 0.5 is Srivastava et al.'s (JMLR 2014) recommendation
        for hidden units.
    batch_norm : bool, default=False
        Batch normalisation after each hidden linear layer.
    head : {"auto", "sigmoid", "softmax", "powerset"}, default="auto"
        Output layer. ``"auto"`` follows :func:`labelwise.problem.describe`: ``"sigmoid"`` (one
        sigmoid per label) for multi-label targets, ``"softmax"`` for multi-class ones.
        ``"powerset"`` is a softmax over the label sets seen in training; it is refused (with the
        feasibility numbers of ``labelwise inspect``) when those sets are too many for the data,
        unless ``force=True``. ``"softmax"`` on multi-label targets is refused unless
        ``force=True``; forced, it is trained on the label sets normalised to sum to 1.
    force : bool, default=False
        Train a head that was refused for the targets anyway.
    loss : {"auto", "bce", "focal", "asymmetric", "cross_entropy"} or callable, default="auto"
        ``"auto"`` is binary cross-entropy for a sigmoid head and cross-entropy for a softmax or
        powerset head. ``"bce"``, ``"focal"`` and ``"asymmetric"`` are the sigmoid-head losses of
        :mod:`labelwise.models.neural.losses`; ``"focal"`` with a softmax head is the softmax
        focal loss. A callable is called as ``loss(logits, targets)`` and returns a scalar
        tensor; targets are the float 0/1 matrix for a sigmoid head and the int64 class (or
        label-set) index for the others.
    loss_params : dict, optional
        Keyword arguments of the named loss, e.g. ``{"gamma": 2.0}`` (focal) or
        ``{"gamma_neg": 4.0, "gamma_pos": 0.0, "clip": 0.05}`` (asymmetric, the defaults), or
        ``{"label_smoothing": 0.1}`` (cross-entropy); for a callable loss, its keyword arguments.
    pos_weight : None, "balanced" or array-like of shape (n_labels,), default=None
        Weight of the positive term of each label in binary cross-entropy; ``"balanced"`` is
        ``n_negative / n_positive`` per label, from the training data. Sigmoid head with
        ``loss="bce"`` (or ``"auto"``) only.
    learning_rate : float, default=1e-3
        AdamW's learning rate (Kingma and Ba's Adam default).
    weight_decay : float, default=1e-2
        AdamW's decoupled weight decay (Loshchilov and Hutter; PyTorch's default).
    batch_size : int, default=128
    max_epochs : int, default=200
    lr_schedule : {"plateau", "cosine", "onecycle"} or None, default="plateau"
        ``"plateau"`` divides the learning rate by 10 when the monitored value has not improved
        for ``patience // 2`` epochs; ``"cosine"`` anneals it to 0 over ``max_epochs``;
        ``"onecycle"`` warms up then anneals (Smith and Topin, 2019); ``None`` keeps it constant.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training data (an iterative-stratified split,
        :mod:`labelwise.split`), stop after ``patience`` epochs without improvement of
        ``monitor`` on it, and (with ``restore_best``) keep the best epoch's weights. Turned off,
        with a warning, when the data are too few for a validation set.
    validation_fraction : float in (0, 1), default=0.1
    patience : int, default=10
    monitor : str, default="loss"
        What early stopping watches on the validation set: ``"loss"`` (the training loss), or a
        metric of :mod:`labelwise.metrics`: ``"f1_micro"``, ``"f1_macro"``, ``"f1_samples"``,
        ``"subset_accuracy"``, ``"hamming"`` (decided with ``decision_rule``; a rule that must be
        tuned is tuned on the validation scores), or the ranking metrics ``"lrap"``,
        ``"average_precision_micro"``, ``"precision_at_1"``, ``"ndcg_at_3"``.
    restore_best : bool, default=True
    random_state : int, RandomState or None, default=None
        Seeds the initial weights, the batches, dropout and the validation split; the same seed
        gives the same model on the same device. Torch's global random state is left as it was.
    device : {"cpu", "auto", "cuda"}, default="cpu"
        ``"auto"`` uses a CUDA GPU when there is one; ``"cuda"`` fails clearly without one.
    verbose : bool or None, default=None
        Progress line per epoch: shown on a terminal when None; True forces, False silences it.
    decision_rule : DecisionRule, default=None
        Turns multi-label scores into label sets in ``predict``. ``None`` on label-set targets
        is ``GlobalThreshold()`` (one threshold maximising micro-F1) tuned in ``fit`` into
        ``rule_`` on the scores of the early-stopping validation rows (no refit); without
        early stopping, on 5-fold out-of-fold training scores (fewer folds under 50 rows, none
        under 20: ``0.5``). Class targets (and one-hot rows) are decided by the most probable
        class. A rule that learns is tuned on 5-fold out-of-fold training scores in ``fit``;
        ``FixedThreshold(0.5)`` is used as given. Early stopping on a decided ``monitor``
        (``"f1_micro"``, ...) decides with the same rule, tuned on the validation scores.

    Attributes
    ----------
    module_ : torch.nn.Sequential
        The trained network, on the CPU, in eval mode.
    head_ : {"sigmoid", "softmax", "powerset"}
    kind_ : {"binary", "multiclass", "multilabel", "hierarchical"}
        The problem :func:`labelwise.problem.describe` read off the training targets.
    classes_ : ndarray
        Label names (multi-label) or class values (multi-class).
    label_sets_ : ndarray of int8 of shape (n_sets, n_labels) or None
        The label sets of a powerset head.
    target_form_ : {"classes", "indicator"}
        Class targets (1-D) or label-set targets (a 0/1 matrix, sparse matrix or label lists).
    pos_weight_ : ndarray or None
    n_epochs_, best_epoch_ : int
    best_score_ : float or None
        Best monitored validation value (None without early stopping).
    history_ : list of dict
        Per epoch: ``epoch``, training ``loss``, ``lr`` and ``val_<monitor>``.
    rule_ : DecisionRule
        The tuned rule ``predict`` applies (absent when ``decision_rule`` is used as given, for
        class targets, or when fitted for its scores only).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)).astype(np.float32)
    >>> Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 1]).astype(int)
    >>> model = NeuralClassifier(
    ...     hidden_layer_sizes=(16,), learning_rate=0.01, max_epochs=50, random_state=0
    ... ).fit(X, Y)
    >>> model.head_, model.predict_proba(X).shape
    ('sigmoid', (200, 3))
    >>> float((model.predict(X) == Y).mean()) > 0.9
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "hidden_layer_sizes": [_hidden_sizes],
        "activation": [Options({"relu", "gelu", "tanh", "logistic"})],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "batch_norm": [bool],
        "head": [Options(HEADS)],
        "force": [bool],
        "loss": [Options(NAMED_LOSSES), is_callable],
        "loss_params": [None, dict],
        "pos_weight": [_pos_weight],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None)],
        "batch_size": [Interval(numbers.Integral, 1, None)],
        "max_epochs": [Interval(numbers.Integral, 1, None)],
        "lr_schedule": [Options(SCHEDULES)],
        "early_stopping": [bool],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "patience": [Interval(numbers.Integral, 1, None)],
        "monitor": [_monitor],
        "restore_best": [bool],
        "random_state": [None, numbers.Integral, np.random.RandomState],
        "device": [Options(DEVICES), lambda d: isinstance(d, str) and d.startswith("cuda:")],
        "verbose": [None, bool, numbers.Integral],
        "decision_rule": [None, DecisionRule],
    }

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (512,),
        activation: str = "relu",
        dropout: float = 0.5,
        batch_norm: bool = False,
        head: str = "auto",
        force: bool = False,
        loss: Any = "auto",
        loss_params: dict | None = None,
        pos_weight: Any = None,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-2,
        batch_size: int = 128,
        max_epochs: int = 200,
        lr_schedule: str | None = "plateau",
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        patience: int = 10,
        monitor: str = "loss",
        restore_best: bool = True,
        random_state: Any = None,
        device: str = "cpu",
        verbose: bool | None = None,
        decision_rule: DecisionRule | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.head = head
        self.force = force
        self.loss = loss
        self.loss_params = loss_params
        self.pos_weight = pos_weight
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.monitor = monitor
        self.restore_best = restore_best
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.decision_rule = decision_rule

    # ------------------------------------------------------------------ targets and heads

    def _check_fit_data(self, X: Any, y: Any) -> tuple[Any, Any, str]:
        """Validate X and y; return X, the canonical targets and the kind of problem."""
        who = type(self).__name__
        if y is None:
            raise TargetError(
                f"{who} requires y to be passed, but the target y is None; pass class labels "
                "(1-D) or an (n_samples, n_labels) 0/1 label matrix."
            )
        ya = as_array(y)
        one_column = False
        if not sp.issparse(ya) and not _is_label_lists(ya):
            arr = np.asarray(ya)
            one_column = arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1)
        if one_column:  # class labels: scikit-learn's checks (a column vector is raveled)
            X, ya = validate_data(self, X, arr, accept_sparse=list(ACCEPT_SPARSE), reset=True)
            check_classification_targets(ya)
        else:
            X = validate_data(self, X, accept_sparse=list(ACCEPT_SPARSE), reset=True)
        targets = check_targets(y if carries_names(y) else ya, name="y")
        if X.shape[0] != targets.n_samples:
            raise ShapeError(
                f"{who}: X has {X.shape[0]} rows (samples) but y has {targets.n_samples}; they "
                "must describe the same samples, one row each."
            )
        kind = describe(ya).kind if targets.n_samples else targets.kind
        return X, targets, kind

    def _loss_function(self, head: str, Y: np.ndarray, device: Any = "cpu") -> Any:
        """The loss as a function of (logits, targets); sets ``pos_weight_``."""
        fn, self.pos_weight_ = heads.loss_function(
            self.loss, self.loss_params, self.pos_weight, head, Y, device, who=type(self).__name__
        )
        return fn

    # ------------------------------------------------------------------ fit

    @fit_context
    def fit(self, X: Any, y: Any) -> NeuralClassifier:
        """Train the network.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Sparse input stays sparse; each mini-batch is densified on its own.
        y : array-like of shape (n_samples,), 0/1 matrix (dense or sparse) of shape
            (n_samples, n_labels), or lists of label names
            Class labels (multi-class) or label sets (multi-label).

        Returns
        -------
        self

        Raises
        ------
        ProblemSetupError
            A head that does not suit the targets (unless ``force``), a loss that does not suit
            the head, a CUDA device that is absent, or a loss that became NaN.
        """
        who = type(self).__name__
        import_torch()  # a missing torch is named before the data are checked
        device = resolve_device(self.device, who=who)
        X, targets, kind = self._check_fit_data(X, y)
        if targets.n_samples == 0:
            raise ShapeError(f"{who}: y has 0 samples; at least one is required.")
        Y = targets.Y.toarray() if sp.issparse(targets.Y) else np.asarray(targets.Y)
        Y = np.ascontiguousarray(Y, dtype=np.int8)
        self.classes_ = np.asarray(targets.classes)
        self.target_form_ = "classes" if targets.form == "classes" else "indicator"
        if self.target_form_ == "classes" and self.decision_rule is not None:
            raise ProblemSetupError(
                f"{who}: decision_rule decides label sets, but y holds one class per example; "
                "the most probable class is predicted. Pass y as a 0/1 label matrix to decide "
                "with a rule."
            )
        head = heads.resolve_head(self.head, kind, targets, force=self.force, who=who)
        self.head_ = head
        self.kind_ = kind
        if head == "sigmoid" and kind in heads.MULTILABEL_KINDS:
            warn_constant_labels(Y, [str(c) for c in self.classes_], where=who)
        elif head == "powerset":
            hidden = tuple(self.hidden_layer_sizes)
            width = hidden[-1] if hidden else self.n_features_in_
            heads.check_powerset(Y, width, force=self.force, who=who)
        head_targets = heads.head_targets(head, kind, Y, targets, who=who)
        self.label_sets_ = head_targets.label_sets
        loss_fn = self._loss_function(head, Y, device)
        self._train_network(X, head_targets, loss_fn, device)
        return self

    def _train_network(self, X: Any, targets: heads.HeadTargets, loss_fn: Any, device: Any) -> None:
        """Build the network and train it on ``targets`` under a forked, seeded torch generator."""
        from labelwise.models.neural.training import Problem, Settings, build_network, train

        torch = import_torch()
        who = type(self).__name__
        head = self.head_
        n_out = self.label_sets_.shape[0] if head == "powerset" else targets.Y.shape[1]
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        train_rows, val_rows = self._validation_split(targets.Y, targets.rows, rng)
        self._validation_rows = val_rows  # the default rule is tuned on their scores
        problem = Problem(
            X=X,
            T=targets.T,
            Y=targets.Y,
            train_rows=train_rows,
            val_rows=val_rows,
            loss_fn=loss_fn,
            to_proba=heads.to_proba(head, self.label_sets_, device),
            monitor_head=targets.monitor_head,
            rule=self.decision_rule if self.decision_rule is not None else default_rule(self),
        )
        settings = Settings(
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            learning_rate=float(self.learning_rate),
            weight_decay=float(self.weight_decay),
            lr_schedule=self.lr_schedule,
            patience=self.patience,
            monitor=self.monitor,
            restore_best=self.restore_best,
            batch_norm=self.batch_norm,
            verbose=self.verbose,
            who=who,
        )
        devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            module = build_network(
                X.shape[1],
                tuple(int(h) for h in self.hidden_layer_sizes),
                n_out,
                activation=self.activation,
                dropout=float(self.dropout),
                batch_norm=self.batch_norm,
            )
            outcome = train(module, problem, settings, device)
        self.module_ = module.to("cpu").eval()
        self.n_epochs_ = outcome.n_epochs
        self.best_epoch_ = outcome.best_epoch
        self.best_score_ = outcome.best_score
        self.history_ = outcome.history

    def _validation_split(
        self, Y: np.ndarray, rows: np.ndarray, rng: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Training and validation rows: an iterative-stratified split of ``rows``."""
        if not self.early_stopping:
            return rows, None
        n_val = round(self.validation_fraction * rows.size)
        if n_val < 1 or rows.size - n_val < 1:
            warnings.warn(
                f"{type(self).__name__}: {rows.size} training examples are too few to hold out "
                f"validation_fraction={self.validation_fraction:g} of them; early stopping is "
                f"off and all {self.max_epochs} epochs run.",
                ProblemSetupWarning,
                stacklevel=3,
            )
            return rows, None
        order = rng.permutation(rows.size)  # iterative stratification deals in the given order
        part = iterative_stratification(
            Y[rows[order]],
            [1.0 - self.validation_fraction, self.validation_fraction],
            random_state=rng,
        )
        shuffled = rows[order]
        return np.sort(shuffled[part == 0]), np.sort(shuffled[part == 1])

    def _decides_label_sets(self) -> bool:
        """Label-set targets are decided by a rule (the tuned default when None)."""
        return self.target_form_ == "indicator" and self.kind_ in heads.MULTILABEL_KINDS

    def _held_out_scores(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray] | None:
        """Labels and scores of the early-stopping validation rows (None without them, or
        with fewer than 10), for tuning the default rule without a refit."""
        from labelwise.decision.meta import DEFAULT_RULE_FOLD_ROWS

        rows = getattr(self, "_validation_rows", None)
        if rows is None or rows.size < DEFAULT_RULE_FOLD_ROWS:
            return None
        Y = check_targets(y if carries_names(y) else as_array(y), name="y").Y
        Y = Y[rows].toarray() if sp.issparse(Y) else np.asarray(Y)[rows]
        return Y, self.predict_proba(_safe_indexing(X, rows))

    # ------------------------------------------------------------------ scores and decisions

    def _outputs(self, X: Any) -> np.ndarray:
        """Sigmoid or softmax outputs of the network (label-set probabilities for powerset)."""
        from labelwise.models.neural.training import forward_in_chunks

        torch = import_torch()
        X = check_predict_X(self, X)
        act = torch.sigmoid if self.head_ == "sigmoid" else (lambda z: torch.softmax(z, dim=1))
        return forward_in_chunks(self.module_, X, torch.device("cpu"), act)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Scores for the decision rules.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_labels)
            Positive-class probability of each label (label-set targets; the marginals of the
            label-set distribution for a powerset head), or of each class (class targets; rows
            sum to 1 for a softmax head).
        """
        P = self._outputs(X)
        if self.head_ == "powerset":
            return P @ self.label_sets_.astype(np.float64)
        return P

    @available_if(_has_powerset_head)
    def predict_joint_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Probability of each label set seen in training (powerset head).

        Returns
        -------
        P : ndarray of shape (n_samples, n_sets)
            Rows sum to 1.
        label_sets : ndarray of int8 of shape (n_sets, n_labels)
            The label set of each column of ``P`` (``label_sets_``).
        """
        return self._outputs(X), self.label_sets_

    def predict(self, X: Any) -> np.ndarray:
        """Label sets decided by ``decision_rule`` (label-set targets) or the most probable class.

        Multi-label targets: ``decision_rule.predict(predict_proba(X))``. Class targets (1-D
        ``y``): the most probable class. One-hot targets (a 0/1 matrix with one 1 per row, which
        :func:`labelwise.problem.describe` reads as multi-class): the one-hot row of the most
        probable class, unless a ``decision_rule`` is given.

        Returns
        -------
        ndarray
            An int8 (n_samples, n_labels) 0/1 matrix, or (class targets) the class of each row.
        """
        P = self.predict_proba(X)
        if self.target_form_ == "classes":
            return self.classes_[np.argmax(P, axis=1)]
        if self.decision_rule is None and self.kind_ in ("binary", "multiclass"):
            D = np.zeros(P.shape, dtype=np.int8)  # one-hot targets: the most probable class
            D[np.arange(P.shape[0]), np.argmax(P, axis=1)] = 1
            return D
        return decided_rule(self).predict(P)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of :meth:`predict`: the share of rows whose class, or whole label set, is right.

        ``y`` may be label lists, as in ``fit``; a label never seen in training (no model can
        predict it) is left out with a :class:`~labelwise.errors.ProblemSetupWarning` naming it.

        Examples
        --------
        >>> import warnings
        >>> import numpy as np
        >>> X = np.array([[-1.0], [1.0]] * 20)
        >>> y = [["a"], ["b", "c"]] * 20
        >>> model = NeuralClassifier(hidden_layer_sizes=(4,), max_epochs=2, random_state=0)
        >>> model = model.fit(X, y)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     value = model.score(X[:2], [["a"], ["b", "c", "new"]])
        >>> 0.0 <= value <= 1.0, "'new' (1 rows)" in str(caught[-1].message)
        (True, True)
        """
        from sklearn.metrics import accuracy_score

        check_is_fitted(self, "classes_")
        y = as_array(y)
        if self.target_form_ != "classes" and _is_label_lists(y):
            y = self._binarize_label_lists(list(y))
        return float(accuracy_score(y, self.predict(X), sample_weight=sample_weight))

    def _binarize_label_lists(self, rows: list) -> np.ndarray:
        return align_label_names(
            rows,
            self.classes_.tolist(),
            who=type(self).__name__,
            left_out_of="the score",
            stacklevel=3,
        )

    # ------------------------------------------------------------------ state without pickle

    def get_state(self) -> dict[str, Any]:
        """The fitted model as plain data: parameters, fitted attributes and weight arrays.

        Everything is a JSON-safe value or a NumPy array, so a model file can store it without
        pickle; :meth:`from_state` rebuilds the model. ``decision_rule`` and a callable ``loss``
        are not included (the rule is stored by whoever stores the model; the loss is only
        needed to train).

        Returns
        -------
        dict
            ``{"format", "params", "fitted", "weights"}``: ``params`` the constructor parameters
            (except ``decision_rule``; a callable loss is replaced by ``"auto"``), ``fitted`` the
            fitted attributes (arrays for ``classes_``, ``label_sets_``, ``pos_weight_``),
            ``weights`` the network's ``state_dict`` as float32 arrays by name.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[0.0, 1], [1, 0], [1, 1], [0, 0]] * 5)
        >>> m = NeuralClassifier((4,), max_epochs=2, early_stopping=False, random_state=0)
        >>> state = m.fit(X, [0, 1, 1, 0] * 5).get_state()
        >>> sorted(state["weights"])
        ['0.bias', '0.weight', '3.bias', '3.weight']
        >>> twin = NeuralClassifier.from_state(state)
        >>> bool(np.array_equal(twin.predict_proba(X), m.predict_proba(X)))
        True
        """
        return _state.get_state(self)

    @classmethod
    def from_state(
        cls, state: dict[str, Any], *, decision_rule: DecisionRule | None = None
    ) -> NeuralClassifier:
        """Rebuild a fitted model from :meth:`get_state`'s output.

        Parameters
        ----------
        state : dict
            As returned by :meth:`get_state`.
        decision_rule : DecisionRule, optional
            The rule ``predict`` applies.

        Returns
        -------
        NeuralClassifier
        """
        return _state.from_state(cls, state, decision_rule=decision_rule)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.input_tags.sparse = True
        return tags


NeuralClassifier.__module__ = "labelwise.models.neural"  # the class path model files record
# doctest now finds the class under labelwise.models.neural, and its methods nowhere: list them
__test__ = {
    f"NeuralClassifier.{name}": member
    for name, member in vars(NeuralClassifier).items()
    if callable(member) and getattr(member, "__doc__", None) and ">>>" in member.__doc__
}
