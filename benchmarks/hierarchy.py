"""Hierarchical classification quality (issue 12): flat binary relevance against every
hierarchical model, on enron and on a two-level multi-class taxonomy built from scene; and
(issue 18) ``HierarchicalClassifier``'s defaults on data nobody tuned them to: GoEmotions with
the Ekman grouping, and enron.

enron (shared Mulan split, 53 labels named ``A.A1`` ... ``D.D19``): the hierarchy comes from the
names (four groups ``A``-``D``, which are not label columns). Two views:

* ``enron``: the 53 columns as given; the groups are implicit (hF counts them).
* ``enron+groups``: the groups added as label columns (``Hierarchy.add_ancestors``), so a flat
  model can predict a label without its group, and the consistency rate means something.

scene-taxonomy (bundled scene, multi-class): the test and training examples with exactly one of
the six labels (about 92% of each split) become a six-class problem, and the classes are grouped
into a two-level taxonomy of visually confusable scenes: ``shore/sky`` = {Beach, Sunset},
``vegetation`` = {FallFoliage, Field}, ``relief/built`` = {Mountain, Urban}. The grouping follows
what scene's features describe (colour moments and texture of image blocks: sand, water and sky
for beach and sunset; foliage colour for fall foliage and fields; strong edges for mountains and
cities), so that the groups are semantically and visually coherent; it was fixed before any model
was run.

Flat baselines are logistic-regression binary relevance with a rule tuned on out-of-fold scores
of the training data only (``GlobalThreshold`` for micro-F1, ``PerLabelThreshold``); for the
multi-class taxonomy, multinomial logistic regression (argmax). Every model uses the same logistic
regression (liblinear, C=1, on enron; lbfgs multinomial on scene):
``HierarchicalClassifier(strategy=...)`` with its default decision rule (``ConsistentSet``: ``t``
tuned on 5-fold out-of-fold training scores for hierarchical F1; ``TopDownArgmax`` for
multi-class), and two rule variants of the flat strategy (``CloseUpward`` / ``PruneDownward``
around per-label thresholds). Metrics (test split): hierarchical F1 (Kiritchenko et al.),
micro/macro F1 overall and per level of the hierarchy, consistency rate (share of predicted sets
holding the parents of their labels), accuracy per level for the taxonomy, and fit time
(including the out-of-fold tuning).

goemotions (issue 18; train.tsv and dev.tsv of the shared GoEmotions, Demszky et al., "GoEmotions:
A Dataset of Fine-Grained Emotions", ACL 2020): the 27 emotions grouped under Ekman's six basic
emotions as the paper does (its Ekman mapping: anger, disgust, fear, joy, sadness, surprise),
``neutral`` a root of its own. The groups are implicit nodes (not label columns; hF counts them).
The hierarchy is passed as the parent mapping a user would write: ``{"annoyance": "Ekman:anger",
...}``, without the groups as keys and without ``neutral`` (an implicit root, one warning).
Features: word uni- and bigram TF-IDF (sublinear tf, min_df=2) fitted on train. Models: flat
binary relevance with a global threshold tuned for micro-F1 on 5-fold out-of-fold training scores
(``ThresholdedClassifier``'s default), and ``HierarchicalClassifier(hierarchy=...)`` with all its
defaults (base ``LogisticRegression(max_iter=1000)``, default rule), ``cv=None`` (the defaults
before issue 18: ``t = 0.5``) and the default ``cv`` (3-fold tuning for hF), for each strategy.
``random_state=0`` fixes the folds. Nothing is tuned on dev; dev is only scored.

enron-defaults (issue 18): the same comparison on enron (hierarchy from the dotted names, the
default ``hierarchy=None``), every model with the default logistic regression.

    LABELWISE_SHARED=../shared .venv/bin/python benchmarks/hierarchy.py [--views enron,scene]
    LABELWISE_SHARED=../shared .venv/bin/python benchmarks/hierarchy.py \
        --views goemotions,enron-defaults
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

import labelwise
from labelwise.data import Hierarchy
from labelwise.datasets import load
from labelwise.decision import GlobalThreshold, PerLabelThreshold, ThresholdedClassifier
from labelwise.decision.hierarchical import CloseUpward, PruneDownward
from labelwise.metrics import f1_score
from labelwise.metrics.hierarchical import (
    hierarchical_consistency_score,
    hierarchical_f1_score,
    per_level_f1_score,
)
from labelwise.models import BinaryRelevance, HierarchicalClassifier

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LABELWISE_SHARED", ROOT.parent / "shared"))
MULAN = SHARED / "datasets" / "mulan"
GOEMOTIONS = SHARED / "datasets" / "text" / "goemotions"
CV = 5
SEED = 0

SCENE_TAXONOMY = {
    "shore/sky": ["Beach", "Sunset"],
    "vegetation": ["FallFoliage", "Field"],
    "relief/built": ["Mountain", "Urban"],
}


# Ekman's six basic emotions over GoEmotions' 27 (Demszky et al. 2020, the paper's Ekman mapping);
# neutral is left out: the hierarchy makes it a root of its own
EKMAN = {
    "anger": ["anger", "annoyance", "disapproval"],
    "disgust": ["disgust"],
    "fear": ["fear", "nervousness"],
    "joy": [
        "joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism",
        "relief", "pride", "admiration", "desire", "caring",
    ],
    "sadness": ["sadness", "disappointment", "embarrassment", "grief", "remorse"],
    "surprise": ["surprise", "realization", "confusion", "curiosity"],
}  # fmt: skip


def lr() -> LogisticRegression:
    """The multinomial logistic regression of the taxonomy runs."""
    return LogisticRegression(max_iter=1000)


def binary_lr() -> LogisticRegression:
    """The binary logistic regression of the enron runs: liblinear solves the same L2 problem
    as lbfgs (its intercept is regularised too) about ten times faster on enron's sparse
    binary features, which matters on a shared machine."""
    return LogisticRegression(solver="liblinear")


def enron(with_groups: bool):
    tr = labelwise.read(MULAN / "enron-train.arff", labels=MULAN / "enron.xml")
    te = labelwise.read(MULAN / "enron-test.arff", labels=MULAN / "enron.xml")
    h = tr.hierarchy
    names = list(tr.label_names)
    Ytr, Yte = tr.Y, te.Y
    if with_groups:
        nodes = h.nodes_for(names)  # the 53 labels, then the groups A-D

        def with_group_columns(Y):
            Y = Y.toarray() if hasattr(Y, "toarray") else np.asarray(Y)
            empty = np.zeros((Y.shape[0], len(nodes) - len(names)), dtype=np.int8)
            return h.add_ancestors(np.hstack([Y, empty]), nodes)

        Ytr, Yte, names = with_group_columns(Ytr), with_group_columns(Yte), nodes
    return tr.X, Ytr, te.X, Yte, h, names


def multilabel_models(h: Hierarchy, names: list[str]):
    def hc(strategy: str, rule=None) -> HierarchicalClassifier:
        return HierarchicalClassifier(
            binary_lr(),
            hierarchy=h,
            labels=names,
            strategy=strategy,
            decision_rule=rule,
            cv=CV,
            random_state=SEED,
        )

    return {
        "flat BR + GlobalThreshold": ThresholdedClassifier(
            BinaryRelevance(binary_lr()), rule=GlobalThreshold("f1_micro"), cv=CV, random_state=SEED
        ),
        "flat BR + PerLabelThreshold": ThresholdedClassifier(
            BinaryRelevance(binary_lr()), rule=PerLabelThreshold(), cv=CV, random_state=SEED
        ),
        "H flat + ConsistentSet (default)": hc("flat"),
        "H top_down + ConsistentSet (default)": hc("top_down"),
        "H per_level + ConsistentSet (default)": hc("per_level"),
        "H flat + CloseUpward(PerLabelThreshold)": hc("flat", CloseUpward(PerLabelThreshold())),
        "H flat + PruneDownward(PerLabelThreshold)": hc("flat", PruneDownward(PerLabelThreshold())),
    }


def run_multilabel(view: str) -> list[str]:
    X, Y, Xt, Yt, h, names = enron(with_groups=view == "enron+groups")
    rows = []
    for name, model in multilabel_models(h, names).items():
        t0 = time.perf_counter()
        model.fit(X, Y)
        fit_s = time.perf_counter() - t0
        D = model.predict(Xt)
        lv_mi = per_level_f1_score(Yt, D, h, labels=names, average="micro", zero_division=0.0)
        lv_ma = per_level_f1_score(Yt, D, h, labels=names, average="macro", zero_division=0.0)
        row = (
            f"| {view} | {name} | {hierarchical_f1_score(Yt, D, h, labels=names):.4f} "
            f"| {f1_score(Yt, D, average='micro', zero_division=0.0):.4f} "
            f"| {f1_score(Yt, D, average='macro', zero_division=0.0):.4f} "
            f"| {' / '.join(f'{v:.4f}' for v in lv_mi)} "
            f"| {' / '.join(f'{v:.4f}' for v in lv_ma)} "
            f"| {hierarchical_consistency_score(D, h, labels=names):.4f} | {fit_s:.1f} |"
        )
        print(row, flush=True)
        rows.append(row)
    return rows


def scene_taxonomy():
    tr, te = load("scene", split="train"), load("scene", split="test")
    h = Hierarchy.from_groups(SCENE_TAXONOMY, tree=True)

    def single(ds):
        keep = np.asarray(ds.Y.sum(axis=1)).ravel() == 1
        y = np.asarray(ds.label_names)[np.argmax(np.asarray(ds.Y[keep]), axis=1)]
        return ds.X[keep], y, keep.mean()

    X, y, share_tr = single(tr)
    Xt, yt, share_te = single(te)
    print(f"scene single-label share: train {share_tr:.3f}, test {share_te:.3f}", flush=True)
    return X, y, Xt, yt, h


def run_taxonomy() -> list[str]:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, Xt, yt, h = scene_taxonomy()
    group_of = {leaf: g for g, leaves in SCENE_TAXONOMY.items() for leaf in leaves}
    models = {
        "flat multinomial LR (argmax)": make_pipeline(StandardScaler(), lr()),
        **{
            f"H {s} + TopDownArgmax (default)": make_pipeline(
                StandardScaler(), HierarchicalClassifier(lr(), hierarchy=h, strategy=s)
            )
            for s in ("flat", "top_down", "per_level")
        },
    }
    rows = []
    for name, model in models.items():
        t0 = time.perf_counter()
        model.fit(X, y)
        fit_s = time.perf_counter() - t0
        p = np.asarray(model.predict(Xt))
        group_acc = accuracy_score([group_of[v] for v in yt], [group_of[v] for v in p])
        leaf_acc = accuracy_score(yt, p)
        lv_mi = per_level_f1_score(yt, p, h, average="micro", zero_division=0.0)
        lv_ma = per_level_f1_score(yt, p, h, average="macro", zero_division=0.0)
        row = (
            f"| scene-taxonomy | {name} | {hierarchical_f1_score(yt, p, h):.4f} "
            f"| {group_acc:.4f} | {leaf_acc:.4f} "
            f"| {f1_score(yt, p, average='macro', zero_division=0.0):.4f} "
            f"| {' / '.join(f'{v:.4f}' for v in lv_mi)} "
            f"| {' / '.join(f'{v:.4f}' for v in lv_ma)} "
            f"| {hierarchical_consistency_score([[v] for v in p], h):.4f} | {fit_s:.2f} |"
        )
        print(row, flush=True)
        rows.append(row)
    return rows


def goemotions():
    """TF-IDF features, 0/1 label matrices (columns in labels.txt order) and the parent mapping."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    names = (GOEMOTIONS / "labels.txt").read_text(encoding="utf-8").split()

    def split(name):
        with open(GOEMOTIONS / f"{name}.tsv", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
        Y = np.zeros((len(rows), len(names)), dtype=np.int8)
        for i, row in enumerate(rows):
            Y[i, [int(k) for k in row[1].split(",")]] = 1
        return [row[0] for row in rows], Y

    texts, Y = split("train")
    texts_dev, Y_dev = split("dev")
    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2))
    X, X_dev = vec.fit_transform(texts), vec.transform(texts_dev)
    parents = {e: f"Ekman:{g}" for g, kids in EKMAN.items() for e in kids}
    return X, Y, X_dev, Y_dev, parents, names


def defaults_models(spec, names):
    """The tuned flat baseline and HierarchicalClassifier's defaults, before and after."""
    models = {
        "flat BR + GlobalThreshold (micro-F1, 5-fold OOF)": ThresholdedClassifier(
            BinaryRelevance(LogisticRegression(max_iter=1000)),
            rule=GlobalThreshold("f1_micro"),
            random_state=SEED,
        ),
    }
    for strategy in ("flat", "top_down", "per_level"):
        models[f"H {strategy}, cv=None (the defaults before: t = 0.5)"] = HierarchicalClassifier(
            hierarchy=spec, labels=names, strategy=strategy, cv=None
        )
        models[f"H {strategy}, defaults (cv=3 tunes t for hF)"] = HierarchicalClassifier(
            hierarchy=spec, labels=names, strategy=strategy, random_state=SEED
        )
    return models


def run_defaults(view: str, only: str = "") -> list[str]:
    if view == "goemotions":
        X, Y, Xt, Yt, spec, names = goemotions()
    else:
        X, Y, Xt, Yt, _, names = enron(with_groups=False)
        spec = None  # the default: the hierarchy of the dotted names
    h = Hierarchy.coerce(spec if spec is not None else "dotted", labels=names)
    rows = []
    for name, model in defaults_models(spec, names).items():
        if only not in name:
            continue
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # neutral as an implicit root: warned once above
            model.fit(X, Y)
        fit_s = time.perf_counter() - t0
        D = model.predict(Xt)
        lv = per_level_f1_score(Yt, D, h, labels=names, average="micro", zero_division=0.0)
        t = getattr(getattr(model, "rule_", None), "threshold_", None)
        t = getattr(getattr(model, "rule_", None), "threshold", None) if t is None else t
        row = (
            f"| {view} | {name} | {hierarchical_f1_score(Yt, D, h, labels=names):.4f} "
            f"| {f1_score(Yt, D, average='micro', zero_division=0.0):.4f} "
            f"| {f1_score(Yt, D, average='macro', zero_division=0.0):.4f} "
            f"| {' / '.join(f'{v:.4f}' for v in lv)} "
            f"| {hierarchical_consistency_score(D, h, labels=names):.4f} "
            f"| {'' if t is None else f'{float(np.mean(t)):.2f}'} | {fit_s:.1f} |"
        )
        print(row, flush=True)
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--views", default="scene,enron,enron+groups")
    ap.add_argument(
        "--only", default="", help="goemotions/enron-defaults: only models whose name has this"
    )
    args = ap.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    views = args.views.split(",")
    print(
        f"# {datetime.date.today()}  python {platform.python_version()}  cv={CV} (issue-12 views)"
    )
    if "scene" in views:
        print(
            "| data | model | hF | accuracy level 0 (group) | accuracy level 1 (class) "
            "| macro-F1 (classes) | per-level micro-F1 | per-level macro-F1 | consistency "
            "| fit s |\n|---|---|---|---|---|---|---|---|---|---|"
        )
        run_taxonomy()
    for view in ("goemotions", "enron-defaults"):
        if view in views:
            print(
                "| data | model | hF | micro-F1 | macro-F1 | per-level micro-F1 (groups / labels) "
                "| consistency | t | fit s |\n|---|---|---|---|---|---|---|---|---|"
            )
            run_defaults(view, args.only)
    for view in ("enron", "enron+groups"):
        if view in views:
            print(
                "| data | model | hF | micro-F1 | macro-F1 | per-level micro-F1 (groups / labels) "
                "| per-level macro-F1 | consistency | fit s |\n"
                "|---|---|---|---|---|---|---|---|---|"
            )
            run_multilabel(view)


if __name__ == "__main__":
    main()
