"""TF-IDF and sentence-embedding classifiers combined: calibrated log-odds, weighted, one rule.

The two views of a text err differently: TF-IDF sees exact words and rare terms, embeddings see
paraphrase and meaning. Averaging the scores of models that err differently helps when the
scores are on one scale (Kittler et al., "On combining classifiers", 1998). A linear SVM's
margins and a neural head's probabilities are not, so each member is first calibrated with
Platt scaling (Platt, 1999): one slope and intercept per member, fitted on its out-of-fold
training scores. The ensemble's log-odds are the weighted mean of the members' calibrated
log-odds (a product of experts); the weight is chosen by cross-validation on the training data.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit, logit
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from labelwise._validation import HasMethods, Interval, Options
from labelwise.decision._base import DecisionRule
from labelwise.decision.meta import scores_only
from labelwise.decision.thresholds import GlobalThreshold
from labelwise.text._base import TextClassifierMixin

__all__ = ["TextEnsemble"]

WEIGHT_GRID = (0.0, 0.25, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_EPS = 1e-7


def _log_odds(p: np.ndarray) -> np.ndarray:
    return logit(np.clip(p, _EPS, 1 - _EPS))


class TextEnsemble(TextClassifierMixin):
    """A TF-IDF and a sentence-embedding text classifier, calibrated and averaged in log-odds.

    ``fit`` computes ``cv``-fold out-of-fold scores of both members on the training texts, fits
    one Platt scaling per member on them, chooses the weight of the TF-IDF member (``"cv"``: the
    weight whose tuned rule gives the best mean of micro- and macro-F1 in a second
    cross-validation over the out-of-fold scores), fits ``decision_rule`` on the combined
    out-of-fold scores, then refits both members on all the training texts. Rules that learn
    nothing (``FixedThreshold``, ``TopK``) are used as they are, so no second cross-validation
    (``ThresholdedClassifier``) is needed to tune the rule.

    Parameters
    ----------
    tfidf : text classifier or None, default=None
        None is ``TfidfClassifier()``.
    embedding : text classifier or None, default=None
        None is ``EmbeddingClassifier()`` (needs ``pip install "labelwise[text]"``).
    weight : "cv" or float in [0, 1], default="cv"
        Weight of the TF-IDF member's calibrated log-odds; the embedding member gets
        ``1 - weight``.
    cv : int, default=5
        Folds for the out-of-fold scores.
    random_state : int, default=0
        Shuffling of the folds.
    decision_rule : DecisionRule or None, default=None
        Fitted on the combined out-of-fold scores in ``fit`` (no extra fits); None is
        ``GlobalThreshold()``, one threshold maximising micro-F1. ``PerLabelThreshold()`` tunes
        one threshold per label; ``FixedThreshold(0.5)`` is used as given.

    Attributes
    ----------
    tfidf_, embedding_ : fitted text classifiers
    calibration_ : ndarray of shape (2, 2)
        Platt slope and intercept of each member (TF-IDF first).
    weight_ : float
    weight_scores_ : dict of float to float
        With ``weight="cv"``: the cross-validated mean of micro- and macro-F1 of each weight.
    oof_scores_ : ndarray of shape (n_samples, n_labels)
        The combined out-of-fold probabilities the rule was fitted on.
    rule_ : DecisionRule
        The fitted rule ``predict`` applies.
    classes_, label_space_, target_form_
        As for the other text classifiers.

    Examples
    --------
    >>> from labelwise.decision import PerLabelThreshold
    >>> model = TextEnsemble(decision_rule=PerLabelThreshold())  # doctest: +SKIP
    >>> model.fit(texts, labels).predict(["Java developer in Berlin"])  # doctest: +SKIP
    [['Germany', 'IT']]
    """

    _parameter_constraints: ClassVar[dict] = {
        "tfidf": [None, HasMethods("fit")],
        "embedding": [None, HasMethods("fit")],
        "weight": [Options({"cv"}), Interval(numbers.Real, 0, 1)],
        "cv": [Interval(numbers.Integral, 2, None)],
        "random_state": [numbers.Integral],
        "decision_rule": [None, DecisionRule],
    }

    def __init__(
        self,
        tfidf: Any = None,
        embedding: Any = None,
        weight: str | float = "cv",
        cv: int = 5,
        random_state: int = 0,
        decision_rule: DecisionRule | None = None,
    ) -> None:
        self.tfidf = tfidf
        self.embedding = embedding
        self.weight = weight
        self.cv = cv
        self.random_state = random_state
        self.decision_rule = decision_rule

    def _members(self) -> list[Any]:
        from labelwise.text.classifiers import EmbeddingClassifier, TfidfClassifier

        tfidf = TfidfClassifier() if self.tfidf is None else self.tfidf
        embedding = EmbeddingClassifier() if self.embedding is None else self.embedding
        return [tfidf, embedding]

    def _rule(self) -> DecisionRule:
        return GlobalThreshold() if self.decision_rule is None else clone(self.decision_rule)

    def _fit(self, texts: list[str], Y: np.ndarray) -> None:
        members = self._members()
        folds = list(KFold(self.cv, shuffle=True, random_state=self.random_state).split(texts))
        oof = [np.zeros(Y.shape) for _ in members]
        with scores_only():  # the members give scores; the ensemble tunes the one rule
            for train, test in folds:
                for m, member in enumerate(members):
                    fitted = clone(member).fit([texts[i] for i in train], Y[train])
                    oof[m][test] = fitted.predict_proba([texts[i] for i in test])
        z = [_log_odds(s) for s in oof]
        self.calibration_ = np.array([self._platt(zm, Y) for zm in z])
        cal = [self._calibrated(zm, m) for m, zm in enumerate(z)]
        if self.weight == "cv":
            self.weight_scores_ = {
                w: self._cv_score(Y, w * cal[0] + (1 - w) * cal[1]) for w in WEIGHT_GRID
            }
            self.weight_ = max(self.weight_scores_, key=lambda w: (self.weight_scores_[w], w))
        else:
            self.weight_, self.weight_scores_ = float(self.weight), {}
        self.oof_scores_ = expit(self.weight_ * cal[0] + (1 - self.weight_) * cal[1])
        self.rule_ = self._rule().fit(Y, self.oof_scores_)
        with scores_only():
            self.tfidf_, self.embedding_ = (clone(m).fit(texts, Y) for m in members)

    @staticmethod
    def _platt(z: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
        lr = LogisticRegression(C=1e4).fit(z.reshape(-1, 1), Y.ravel())
        return float(lr.coef_[0, 0]), float(lr.intercept_[0])

    def _calibrated(self, z: np.ndarray, m: int) -> np.ndarray:
        slope, intercept = self.calibration_[m]
        return slope * z + intercept

    def _cv_score(self, Y: np.ndarray, log_odds: np.ndarray) -> float:
        """Mean of micro- and macro-F1 of the rule fitted on 4/5 of the out-of-fold scores and
        applied to the other 1/5 (training data only)."""
        from labelwise.metrics import f1_score

        scores = expit(log_odds)
        pred = np.zeros_like(Y)
        splits = KFold(5, shuffle=True, random_state=self.random_state + 1).split(scores)
        for a, b in splits:
            pred[b] = self._rule().fit(Y[a], scores[a]).predict(scores[b])
        seen = Y.any(axis=0)
        micro = f1_score(Y, pred, average="micro", zero_division=0.0)
        macro = f1_score(Y[:, seen], pred[:, seen], average="macro", zero_division=0.0)
        return float((micro + macro) / 2)

    def _scores(self, texts: list[str]) -> np.ndarray:
        z = [_log_odds(m.predict_proba(texts)) for m in (self.tfidf_, self.embedding_)]
        cal = [self._calibrated(zm, m) for m, zm in enumerate(z)]
        return expit(self.weight_ * cal[0] + (1 - self.weight_) * cal[1])

    def _decide(self, X: Any) -> np.ndarray:
        return np.asarray(self.rule_.predict(self.predict_proba(X)))
