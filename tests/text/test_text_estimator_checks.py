"""scikit-learn's common estimator checks for the text estimators, and their contract on texts.

The text estimators take one string per example (tags ``input_tags.string=True``,
``two_d_array=False``), so ``parametrize_with_checks`` would skip every check with a
``SkipTestWarning``. Instead every check scikit-learn runs on a numeric estimator of the same kind
(a multi-label classifier, a transformer) is run here on each text estimator, by name. The checks
that feed a numeric array as ``X`` are expected failures with their reason (strict: a check that
starts passing must leave the list); the rest (parameters, cloning, repr, tags, unfitted errors,
1-D input refused, ...) run and pass. ``test_text_contract`` then re-runs what the numeric checks
probe (parameters untouched by fit, ``fit`` returns self, idempotent fit, subset and sample-order
invariance, pickling, every sequence type of texts, refusals of bad input) on real texts.
"""

from __future__ import annotations

import pickle
import warnings
from functools import partial

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import estimator_checks_generator

from labelwise.errors import LabelwiseError
from labelwise.models import BinaryRelevance
from labelwise.text import (
    EmbeddingClassifier,
    SentenceEncoder,
    TextEnsemble,
    TfidfClassifier,
    TfidfFeatures,
)

pytestmark = pytest.mark.usefixtures("one_blas_thread")

SMALL_LR = LogisticRegression(max_iter=200)
CLASSIFIERS = [
    TfidfClassifier(),
    TextEnsemble(tfidf=TfidfClassifier(), embedding=TfidfClassifier(linear="logistic"), cv=2),
    EmbeddingClassifier(head=BinaryRelevance(SMALL_LR)),
]
TRANSFORMERS = [TfidfFeatures(), SentenceEncoder()]
NEEDS_ENCODER = (EmbeddingClassifier, SentenceEncoder)

NUMERIC_X = (
    "feeds a numeric array as X; a text estimator takes one string per example (input tags "
    "string=True, two_d_array=False) and refuses numbers with DataValueError before it reaches "
    "what the check probes; test_text_contract re-runs that contract on texts"
)
# The checks scikit-learn runs on a numeric estimator of the same kind that feed numeric X.
NUMERIC_CHECKS = {
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_positive_only_tag_during_fit",
    "check_estimators_dtypes",
    "check_complex_data",
    "check_dtype_object",
    "check_estimators_empty_data_messages",
    "check_pipeline_consistency",
    "check_estimators_nan_inf",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_classifier_data_not_an_array",
    "check_classifiers_one_label",
    "check_classifiers_classes",
    "check_classifier_multioutput",
    "check_classifiers_train",
    "check_classifiers_regression_target",
    "check_classifiers_multilabel_representation_invariance",
    "check_classifiers_multilabel_output_format_predict",
    "check_classifiers_multilabel_output_format_predict_proba",
    "check_classifiers_multilabel_output_format_decision_function",
    "check_decision_proba_consistency",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
    "check_requires_y_none",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
}


def _check_name(check) -> str:
    return check.func.__name__ if isinstance(check, partial) else check.__name__


def _numeric_checks(estimator) -> set[str]:
    if hasattr(estimator, "decision_function"):
        return NUMERIC_CHECKS
    return NUMERIC_CHECKS - {"check_decision_proba_consistency"}  # returns at once without it


def _reference(estimator):
    """A numeric estimator of the same kind: scikit-learn's checks for it are the full list."""
    return BinaryRelevance(SMALL_LR) if is_classifier(estimator) else TfidfTransformer()


def _cases():
    for estimator in CLASSIFIERS + TRANSFORMERS:
        name = type(estimator).__name__
        for _, check in estimator_checks_generator(_reference(estimator), legacy=True):
            check_name = _check_name(check)
            bound = partial(check.func, name, *check.args[1:], **check.keywords)
            marks = []
            if check_name in _numeric_checks(estimator):
                marks.append(pytest.mark.xfail(strict=True, reason=NUMERIC_X))
            case_id = f"{name}-{check_name}"
            yield pytest.param(estimator, bound, id=case_id, marks=marks)


@pytest.mark.parametrize("estimator, check", list(_cases()))
def test_sklearn_common_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. a check's label never occurs
        check(clone(estimator))


def test_every_listed_check_is_one_scikit_learn_runs():
    ran = {
        _check_name(check)
        for estimator in CLASSIFIERS + TRANSFORMERS
        for _, check in estimator_checks_generator(_reference(estimator), legacy=True)
    }
    assert NUMERIC_CHECKS <= ran, sorted(NUMERIC_CHECKS - ran)


# ----------------------------------------------------------------- the same contract, on texts

FIELDS = {
    "IT": ["Java engineer", "Python developer", "data engineer", "software tester"],
    "Health": ["nurse", "hospital doctor", "pharmacist", "midwife"],
    "Finance": ["accountant", "tax advisor", "auditor", "bank clerk"],
}
PLACES = {"UK": ["London", "Leeds", "Manchester"], "Germany": ["Berlin", "Munich", "Hamburg"]}


def _texts(n: int = 36, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Job ads: a field and a country per text; 0/1 labels IT, Health, Finance, UK."""
    rng = np.random.default_rng(seed)
    texts, Y = [], []
    for i in range(n):
        field = list(FIELDS)[i % 3]
        country = list(PLACES)[(i // 3) % 2]
        job = FIELDS[field][rng.integers(4)]
        texts.append(f"{job} in {PLACES[country][rng.integers(3)]}")
        Y.append([field == "IT", field == "Health", field == "Finance", country == "UK"])
    return texts, np.array(Y, dtype=int)


def _out(model, texts):
    return model.predict_proba(texts) if is_classifier(model) else _dense(model.transform(texts))


def _dense(A):
    return A.toarray() if hasattr(A, "toarray") else np.asarray(A)


@pytest.mark.parametrize("estimator", CLASSIFIERS + TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_text_contract(estimator):
    if isinstance(estimator, NEEDS_ENCODER):
        pytest.importorskip("sentence_transformers", reason="the text extra is not installed")
    texts, Y = _texts()
    y = Y if is_classifier(estimator) else None
    params = clone(estimator).get_params()
    model = clone(estimator)
    assert model.fit(texts, y) is model  # fit returns self
    assert model.get_params().keys() == params.keys()  # and leaves the parameters alone
    out = _out(model, texts)
    assert out.shape[0] == len(texts)
    if is_classifier(model):
        assert out.shape == Y.shape and out.min() >= 0 and out.max() <= 1
    state = dict(model.__dict__)
    _out(model, texts)
    assert model.__dict__.keys() == state.keys()  # predicting changes nothing
    # idempotent fit, subset and sample-order invariance
    np.testing.assert_allclose(_out(clone(estimator).fit(texts, y).fit(texts, y), texts), out)
    np.testing.assert_allclose(
        np.vstack([_out(model, texts[i : i + 7]) for i in range(0, len(texts), 7)]),
        out,
        atol=1e-6,
    )
    order = np.random.default_rng(1).permutation(len(texts))
    np.testing.assert_allclose(_out(model, [texts[i] for i in order]), out[order], atol=1e-6)
    # pickling, and every sequence type of texts
    np.testing.assert_allclose(_out(pickle.loads(pickle.dumps(model)), texts), out)
    pd = pytest.importorskip("pandas")
    for same in (tuple(texts), np.array(texts), np.array(texts, dtype=object), pd.Series(texts)):
        np.testing.assert_allclose(_out(model, same), out, atol=1e-6)
    # what the numeric checks refuse, refused in labelwise's words
    with pytest.raises(LabelwiseError, match="string"):
        _out(model, [texts[0], 3.5])
    with pytest.raises(LabelwiseError, match="string"):
        clone(estimator).fit(np.zeros((len(texts), 2)), y)
    with pytest.raises(ValueError):
        _out(model, texts[0])  # one string alone, not a sequence of texts
    if is_classifier(estimator):
        with pytest.raises(LabelwiseError):
            clone(estimator).fit(texts, None)
