"""The report's header names the model, the metric it was tuned for and its rule, on every path."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise.cli import main
from labelwise.report.header import describe_rule, tuned_for

pytest.importorskip("matplotlib")


def _header(html: str) -> dict[str, str]:
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]*)</td></tr>", html)
    return {k: v for k, v in rows}


def _fit_and_report(tmp_path, fit_args: list[str]) -> dict[str, str]:
    runner = CliRunner()
    model = tmp_path / "m.lw"
    out = runner.invoke(main, ["fit", "emotions", *fit_args, "--out", str(model)])
    assert out.exit_code == 0, out.output
    page = tmp_path / "r.html"
    out = runner.invoke(main, ["report", str(model), "emotions", "-o", str(page)])
    assert out.exit_code == 0, out.output
    return _header(page.read_text(encoding="utf-8"))


def test_fit_with_a_rule_then_report_names_model_metric_and_rule(tmp_path):
    head = _fit_and_report(tmp_path, ["--rule", "per-label"])
    expected = "ThresholdedClassifier(StandardScaler -&gt; BinaryRelevance(LogisticRegression))"
    assert head["model"] == expected
    assert head["tuned for"] == "F1 of each label (f1_macro)"
    assert head["decision rule"].startswith("PerLabelThreshold(")
    assert "labelwise." not in head["decision rule"]  # no dotted class path


def test_main_job_then_report_names_the_winner_and_its_metric(tmp_path):
    head = _fit_and_report(
        tmp_path,
        ["--metric", "micro_f1", "--candidates", "BinaryRelevance", "--time-limit", "60",
         "--n-jobs", "1"],
    )  # fmt: skip
    assert head["model"].startswith("AutoClassifier: BinaryRelevance")
    assert head["tuned for"] == (
        "f1_micro: F1 of all label decisions pooled (frequent labels weigh more)"
    )
    assert head["decision rule"] not in ("-", "None")


def test_rule_and_metric_descriptions_from_records():
    record = {"class": "labelwise.decision.bayes.BayesOptimal", "params": {"metric": "hamming"}}
    assert describe_rule(record) == "BayesOptimal(metric='hamming')"
    assert tuned_for({"decision_rule": record}) == (
        "hamming_loss: share of wrong label decisions (lower is better)"
    )
    wrapped = {"class": "a.AtLeastOne", "params": {"rule": {"class": "b.PerLabelThreshold"}}}
    assert tuned_for({"decision_rule": wrapped}) == "F1 of each label (f1_macro)"
    assert describe_rule(wrapped) == "AtLeastOne(rule=PerLabelThreshold())"


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("RecallControl", {"alpha": 0.1, "delta": 0.05},
         "no metric: a promise, recall \u2265 0.9 with probability \u2265 0.95"),
        ("RecallControl", {"alpha": 0.2, "per_label": True, "delta": None},
         "no metric: a promise, recall \u2265 0.8 for each label"),
        ("PrecisionControl", {"alpha": 0.05, "delta": 0.1},
         "no metric: a promise, precision \u2265 0.95 with probability \u2265 0.9"),
        ("FalsePositiveControl", {"alpha": 0.5, "bound": None},
         "no metric: a promise, false positives per example \u2264 0.5"),
        ("ConformalSets", {"alpha": 0.1, "class_conditional": True},
         "no metric: a promise, coverage of the true class \u2265 0.9 for each class"),
    ],
)  # fmt: skip
def test_a_guaranteed_rule_is_tuned_for_its_promise(name, params, expected):
    record = {"class": f"labelwise.decision.risk_control.{name}", "params": params}
    assert tuned_for({"decision_rule": record}) == expected


def test_a_saved_guaranteed_model_reports_its_promise(tmp_path):
    import labelwise
    from labelwise.datasets import load
    from labelwise.decision import RecallControl, ThresholdedClassifier
    from labelwise.models import BinaryRelevance

    train = load("emotions", split="train")
    scaled = make_pipeline(StandardScaler(), BinaryRelevance(LogisticRegression(max_iter=500)))
    model = ThresholdedClassifier(
        scaled, rule=RecallControl(0.1, 0.1), calibration=0.3, random_state=0
    ).fit(train.X, train.Y)
    labelwise.save(model, tmp_path / "m.lw")
    page = tmp_path / "r.html"
    out = CliRunner().invoke(main, ["report", str(tmp_path / "m.lw"), "emotions", "-o", str(page)])
    assert out.exit_code == 0, out.output
    head = _header(page.read_text(encoding="utf-8"))
    assert (
        head["tuned for"] == "no metric: a promise, recall \u2265 0.9 with probability \u2265 0.9"
    )
    assert head["decision rule"].startswith("RecallControl(alpha=0.1, delta=0.1")
