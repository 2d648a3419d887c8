"""TextEnsemble: out-of-fold Platt calibration, log-odds averaging and a rule fitted on the
out-of-fold scores, checked against a by-hand computation (two TF-IDF members, no torch)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy.special import expit, logit
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from labelwise.decision import PerLabelThreshold, TopK
from labelwise.text import TextEnsemble, TfidfClassifier

FIELDS = {"IT": ["Java engineer", "Python developer", "data engineer", "software tester"],
          "Health": ["nurse", "hospital doctor", "pharmacist", "midwife"],
          "Finance": ["accountant", "tax advisor", "auditor", "bank clerk"]}  # fmt: skip
PLACES = {"UK": ["London", "Leeds", "Bristol"], "Germany": ["Berlin", "Munich", "Hamburg"]}
rng = np.random.default_rng(0)
ROWS = []
for _ in range(45):
    f, c = rng.choice(list(FIELDS)), rng.choice(list(PLACES))
    ROWS.append((f"{rng.choice(FIELDS[f])} in {rng.choice(PLACES[c])}", [str(f), str(c)]))
TEXTS = [t for t, _ in ROWS]
LABELS = [y for _, y in ROWS]
NAMES = ["Finance", "Germany", "Health", "IT", "UK"]
Y = np.array([[int(n in y) for n in NAMES] for y in LABELS])
WORDS, CHARS = TfidfClassifier(char_ngram_range=None), TfidfClassifier(word_ngram_range=None)


def _clip_logit(p):
    return logit(np.clip(p, 1e-7, 1 - 1e-7))


def test_scores_and_rule_equal_a_by_hand_computation():
    model = TextEnsemble(WORDS, CHARS, weight=0.7, cv=3, decision_rule=PerLabelThreshold())
    model.fit(TEXTS, LABELS)
    oof = [np.zeros(Y.shape), np.zeros(Y.shape)]
    for a, b in KFold(3, shuffle=True, random_state=0).split(TEXTS):
        for m, member in enumerate((WORDS, CHARS)):
            fitted = clone(member).fit([TEXTS[i] for i in a], Y[a])
            oof[m][b] = fitted.predict_proba([TEXTS[i] for i in b])
    cal = []
    for s in oof:
        z = _clip_logit(s)
        lr = LogisticRegression(C=1e4).fit(z.reshape(-1, 1), Y.ravel())
        cal.append(lr.coef_[0, 0] * z + lr.intercept_[0])
    expected_oof = expit(0.7 * cal[0] + 0.3 * cal[1])
    np.testing.assert_allclose(model.oof_scores_, expected_oof, rtol=1e-6)
    rule = PerLabelThreshold().fit(Y, expected_oof)
    np.testing.assert_allclose(model.rule_.thresholds_, rule.thresholds_, rtol=1e-6)
    new = ["Python developer in Hamburg", "midwife in Leeds"]
    (a0, b0), (a1, b1) = model.calibration_
    zw = _clip_logit(clone(WORDS).fit(TEXTS, Y).predict_proba(new))
    zc = _clip_logit(clone(CHARS).fit(TEXTS, Y).predict_proba(new))
    scores = expit(0.7 * (a0 * zw + b0) + 0.3 * (a1 * zc + b1))
    np.testing.assert_allclose(model.predict_proba(new), scores, rtol=1e-6)
    assert model.predict(new) == [
        [NAMES[j] for j in np.flatnonzero(r)] for r in rule.predict(scores)
    ]


def test_weight_chosen_by_cross_validation_is_the_best_scoring_one():
    model = TextEnsemble(WORDS, CHARS, cv=3, decision_rule=PerLabelThreshold()).fit(TEXTS, Y)
    best = max(model.weight_scores_.values())
    assert model.weight_scores_[model.weight_] == best
    assert set(model.weight_scores_) >= {0.0, 0.5, 1.0}
    assert isinstance(model.predict(TEXTS[:2]), np.ndarray)  # fitted on a matrix


def test_rules_that_learn_nothing_are_used_as_given_and_pickling_works():
    model = TextEnsemble(WORDS, CHARS, weight=1.0, cv=3, decision_rule=TopK(1)).fit(TEXTS, LABELS)
    new = ["nurse in Berlin", "auditor in Leeds"]
    assert all(len(row) == 1 for row in model.predict(new))
    # weight 1: a monotone map of the TF-IDF member's scores, so the same ranking
    member = clone(WORDS).fit(TEXTS, Y).predict_proba(new)
    np.testing.assert_array_equal(
        np.argsort(model.predict_proba(new), axis=1), np.argsort(member, axis=1)
    )
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.predict_proba(new), model.predict_proba(new))
    assert clone(model).get_params()["weight"] == 1.0


def test_bad_weight_is_named():
    with pytest.raises(ValueError, match="'weight'"):
        TextEnsemble(WORDS, CHARS, weight=1.5).fit(TEXTS, LABELS)
