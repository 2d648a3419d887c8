"""What a tuned decision rule given to a model costs and gains, against the 0.5 default.

A labelwise model given a rule that learns (``GlobalThreshold()``, ``PerLabelThreshold()``)
tunes it on 5-fold out-of-fold training scores in its own ``fit`` (issue 18). This measures, on
the bundled sets' standard splits, the fit time and the test micro-/macro-F1 of

- the model with its default rule (``FixedThreshold(0.5)``),
- the model given ``GlobalThreshold()`` and ``PerLabelThreshold()`` (tuned in ``fit``),
- ``ThresholdedClassifier(model, rule=PerLabelThreshold(), cv=5)``, the wrapper that did this
  before (the peer: the same machinery, outside the model),

and prints each fit's CPU time (one BLAS thread, after a warm-up fit; the machine may be shared,
so CPU time rather than wall time) as a ratio to the default's. Run from the repository root::

    python benchmarks/rule_defaults.py            # yeast, emotions, reuters
    python benchmarks/rule_defaults.py --sets yeast
"""

from __future__ import annotations

import argparse
import time

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from labelwise.datasets import load
from labelwise.decision import GlobalThreshold, PerLabelThreshold, ThresholdedClassifier
from labelwise.metrics import f1_score
from labelwise.models import BinaryRelevance
from labelwise.text import TfidfClassifier


def _feature_model(rule=None):
    base = LogisticRegression(max_iter=1000)
    return make_pipeline(StandardScaler(), BinaryRelevance(base, decision_rule=rule))


def _variants(text: bool):
    if text:
        return {
            "default (0.5)": lambda: TfidfClassifier(),
            "GlobalThreshold()": lambda: TfidfClassifier(decision_rule=GlobalThreshold()),
            "PerLabelThreshold()": lambda: TfidfClassifier(decision_rule=PerLabelThreshold()),
            "ThresholdedClassifier (peer)": lambda: ThresholdedClassifier(
                TfidfClassifier(), rule=PerLabelThreshold(), cv=5, random_state=0
            ),
        }
    return {
        "default (0.5)": lambda: _feature_model(),
        "GlobalThreshold()": lambda: _feature_model(GlobalThreshold()),
        "PerLabelThreshold()": lambda: _feature_model(PerLabelThreshold()),
        "ThresholdedClassifier (peer)": lambda: ThresholdedClassifier(
            _feature_model(), rule=PerLabelThreshold(), cv=5, random_state=0
        ),
    }


def run(name: str) -> None:
    train, test = load(name, split="train"), load(name, split="test")
    text = train.X is None
    Xtr, Xte = (train.texts, test.texts) if text else (train.X, test.X)
    print(f"\n{name}: {train.Y.shape[0]} train, {test.Y.shape[0]} test, {train.Y.shape[1]} labels")
    print(f"{'variant':32s} {'CPU s':>8s} {'x default':>10s} {'micro-F1':>9s} {'macro-F1':>9s}")
    base_time = None
    _variants(text)["default (0.5)"]().fit(Xtr, train.Y)  # warm-up: imports, caches
    for label, make in _variants(text).items():
        t0 = time.process_time()
        model = make().fit(Xtr, train.Y)
        seconds = time.process_time() - t0
        P = model.predict(Xte)
        micro = f1_score(test.Y, P, average="micro", zero_division=0.0)
        macro = f1_score(test.Y, P, average="macro", zero_division=0.0)
        base_time = seconds if base_time is None else base_time
        print(f"{label:32s} {seconds:8.2f} {seconds / base_time:10.2f} {micro:9.4f} {macro:9.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["yeast", "emotions", "reuters"])
    with threadpool_limits(1):
        for name in parser.parse_args().sets:
            run(name)


if __name__ == "__main__":
    main()
