"""Guaranteed decisions: do the promises hold on real data, and how informative are the sets?

For each dataset a model is fitted on the training split and scores the test split (Mulan:
``make_pipeline(StandardScaler or MaxAbsScaler, BinaryRelevance(LogisticRegression(liblinear)))``;
GoEmotions and Reuters: ``TfidfVectorizer(sublinear_tf, word 1-2 grams, min_df=2)`` +
``BinaryRelevance(LogisticRegression(liblinear))``; GoEmotions is trained on train.tsv and
scored on dev.tsv). Rows of the scored split without any true label are left out (MAPIE's
controller refuses them); the remaining N scored rows are the *pool*.

What a rule promises is a bound on its *true* risk: the mean loss over the distribution the
calibration rows are drawn from (with probability ``1 - delta`` over the draw, or in
expectation). The default protocol makes that distribution known, so the promise is checked
exactly: the population is the pool (each row with probability 1/N), and each of the
``--resplits`` calibration sets is N // 2 rows drawn from it independently *with replacement*
(i.i.d., as the guarantees assume). The true risk of a fitted rule is then its mean loss over the
pool, computed exactly; no test-sample noise enters. ``--protocol halves`` is the older
protocol: the pool is split at random into two halves without replacement, and a rule is judged by
its *empirical* risk on the test half, an estimate of its true risk whose sampling noise (and the
complementarity of the halves) counts violations that the promise does not cover.

Reported per (dataset, rule, alpha), all risks being means of per-example losses (FNR, FDP with
an empty set counted as 0, false-positive count):

* viol: share of resplits whose risk exceeds alpha; for a promise with probability 1 - delta
  the target is viol <= delta + 2 SE with SE = sqrt(delta (1 - delta) / resplits);
* risk: mean risk +- SE over resplits; for a promise in expectation the target is
  risk <= alpha + 2 SE;
* prec / rec: micro precision (recall-controlled rules) or micro recall (precision-controlled
  rules) over the judged rows, the informativeness at equal validity; size: mean labels per set;
* ms/fit: fitting time of the rule on the calibration set.

MAPIE's ``MultiLabelClassificationController`` (1.x; CRC and RCPS with WSR bound for recall,
LTT for precision; its default grid ``np.arange(0, 1, 0.01)``, strict ``>`` predictions) runs
on the same scores and the same calibration draws: its per-row risk matrix is computed once with
its own ``compute_risks`` and each resplit calls its ``compute_best_predict_param`` on the
calibration rows (the batch API its docs describe). Its full ``calibrate`` is timed separately
on the first resplits against labelwise's ``fit`` for the three alphas.

Usage (the peers' environment has mapie and labelwise installed)::

    flock .bench.lock .venv-peers/bin/python benchmarks/risk_control.py \\
        --out benchmarks/_work/risk_control.md [--resplits 500] [--datasets emotions,yeast] \\
        [--protocol bootstrap|halves]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

from labelwise import read
from labelwise.decision import (
    FalsePositiveControl,
    PrecisionControl,
    RecallControl,
    required_calibration_size,
)
from labelwise.errors import ProblemSetupError
from labelwise.models import BinaryRelevance

MULAN_SETS = ["emotions", "yeast", "scene", "birds", "genbase", "flags", "enron"]
TEXT_SETS = ["goemotions", "reuters"]
_SHARED = os.environ.get("LABELWISE_SHARED", str(Path(__file__).resolve().parents[2] / "shared"))
DATA = Path(_SHARED) / "datasets"
ALPHAS = (0.05, 0.1, 0.2)
FP_ALPHAS = (0.5, 1.0, 2.0)
DELTA = 0.1


def _dense(Y):
    return np.asarray(Y.toarray() if sp.issparse(Y) else Y, dtype=np.int8)


def _linear():
    return BinaryRelevance(LogisticRegression(solver="liblinear"))


def mulan_scores(name: str):
    xml = DATA / "mulan" / f"{name}.xml"
    train = read(DATA / "mulan" / f"{name}-train.arff", labels=xml)
    test = read(DATA / "mulan" / f"{name}-test.arff", labels=xml)
    scaler = MaxAbsScaler() if sp.issparse(train.X) else StandardScaler()
    model = make_pipeline(scaler, _linear()).fit(train.X, _dense(train.Y))
    return model.predict_proba(test.X), _dense(test.Y)


def _goemotions(split: str):
    texts, labels = [], []
    with open(DATA / "text" / "goemotions" / f"{split}.tsv", encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            texts.append(row[0])
            labels.append([int(i) for i in row[1].split(",")])
    Y = np.zeros((len(texts), 28), dtype=np.int8)
    for i, ids in enumerate(labels):
        Y[i, ids] = 1
    return texts, Y


def _reuters(split: str, topics: list[str] | None = None):
    docs = json.loads((DATA / "text" / f"reuters21578_modapte_{split}.json").read_text())
    topics = topics or sorted({t for d in docs for t in d["labels"]})
    col = {t: j for j, t in enumerate(topics)}
    Y = np.zeros((len(docs), len(topics)), dtype=np.int8)
    for i, d in enumerate(docs):
        for t in d["labels"]:
            if t in col:
                Y[i, col[t]] = 1
    return [d["text"] for d in docs], Y, topics


def text_scores(name: str):
    if name == "goemotions":
        (tr, Ytr), (te, Yte) = _goemotions("train"), _goemotions("dev")
    else:
        tr, Ytr, topics = _reuters("train")
        te, Yte, _ = _reuters("test", topics)
    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)
    model = _linear().fit(vec.fit_transform(tr), Ytr)
    return model.predict_proba(vec.transform(te)), Yte


def losses(Y, P, risk):
    tp = (Y & P).sum(axis=1).astype(float)
    if risk == "fp":
        return P.sum(axis=1) - tp
    den = (Y if risk == "fnr" else P).sum(axis=1).astype(float)
    return np.divide(den - tp, den, out=np.zeros_like(den), where=den > 0)


def labelwise_rules():
    """(name, risk, promise kind, alphas, factory)."""
    return [
        ("lw recall CRC", "fnr", "expectation", ALPHAS, lambda a: RecallControl(a)),
        ("lw recall LTT", "fnr", "probability", ALPHAS, lambda a: RecallControl(a, DELTA)),
        ("lw precision LTT", "fdp", "probability", ALPHAS, lambda a: PrecisionControl(a, DELTA)),
        ("lw FP count CRC", "fp", "expectation", FP_ALPHAS, lambda a: FalsePositiveControl(a)),
    ]


class MapieOnScores:
    """MAPIE's controller on precomputed scores: ``X`` is a column of row indices."""

    def __init__(self, S, risk, method):
        from mapie.risk_control import MultiLabelClassificationController

        self.S = S
        kw = {"confidence_level": 1 - DELTA} if method in ("rcps", "ltt") else {}
        self.ctrl = MultiLabelClassificationController(
            predict_function=lambda X: S[np.asarray(X).ravel().astype(int)],
            risk=risk,
            method=method,
            target_level=[1 - a for a in ALPHAS],
            **kw,
        )

    def thresholds(self, risks_cal):
        self.ctrl._risks = risks_cal
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.ctrl.compute_best_predict_param()
        return np.atleast_1d(self.ctrl.best_predict_param)


def mapie_risk_matrix(S, Y, risk, method):
    """MAPIE's per-row risks of every grid threshold, from its own compute_risks."""
    m = MapieOnScores(S, risk, method)
    idx = np.arange(len(S)).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.ctrl.compute_risks(idx, Y)
    return m, m.ctrl._risks


def summarise(values, alpha, kind):
    values = np.asarray(values, dtype=float)
    n = len(values)
    viol = float((values > alpha + 1e-12).mean())
    return {
        "viol": viol,
        "viol_se": float(np.sqrt(max(viol * (1 - viol), DELTA * (1 - DELTA)) / n)),
        "risk": float(values.mean()),
        "risk_se": float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
        "kind": kind,
    }


def draws(n, resplits, protocol, seed=0):
    """(calibration rows, judged rows) per resplit; see the module docstring."""
    rng = np.random.default_rng(seed)
    half = n // 2
    if protocol == "bootstrap":  # i.i.d. from the pool, judged on the whole pool (true risk)
        pool = np.arange(n)
        return [(rng.integers(0, n, size=half), pool) for _ in range(resplits)]
    perms = [rng.permutation(n) for _ in range(resplits)]
    return [(perm[:half], perm[half:]) for perm in perms]


def run_dataset(name, S, Y, resplits, protocol="bootstrap", seed=0):
    keep = Y.any(axis=1)
    S, Y = S[keep], Y[keep]
    n = len(Y)
    splits = draws(n, resplits, protocol, seed)
    half = n // 2
    rows = []

    def informativeness(risk, P, Yt):
        tp = float((P & Yt).sum())
        if risk == "fdp":
            return tp / max(1.0, float(Yt.sum()))
        return tp / max(1.0, float(P.sum()))

    for rule_name, risk, kind, alphas, make in labelwise_rules():
        for alpha in alphas:
            vals, info, size, fit_ms, refused = [], [], [], [], None
            for cal, test in splits:
                t0 = time.perf_counter()
                try:
                    rule = make(alpha).fit(Y[cal], S[cal])
                except ProblemSetupError as err:
                    refused = str(err).split("; ")[-1].split(" (")[0]
                    break
                fit_ms.append(1000 * (time.perf_counter() - t0))
                P = rule.predict(S[test])
                vals.append(losses(Y[test], P, risk).mean())
                info.append(informativeness(risk, P, Y[test]))
                size.append(P.sum(axis=1).mean())
            row = {"dataset": name, "rule": rule_name, "alpha": alpha, "n_cal": half}
            if refused:
                row["refused"] = refused
            else:
                row |= summarise(vals, alpha, kind)
                row |= {"info": float(np.mean(info)), "size": float(np.mean(size))}
                row["ms_fit"] = float(np.median(fit_ms))
            rows.append(row)

    rows += per_label_rows(name, S, Y, splits, half)

    for rule_name, risk_name, method, risk, kind in [
        ("MAPIE recall CRC", "recall", "crc", "fnr", "expectation"),
        ("MAPIE recall RCPS (WSR)", "recall", "rcps", "fnr", "probability"),
        ("MAPIE precision LTT", "precision", "ltt", "fdp", "probability"),
    ]:
        mapie, risks = mapie_risk_matrix(S, Y, risk_name, method)
        per_alpha = {a: ([], [], []) for a in ALPHAS}
        uncertified = dict.fromkeys(ALPHAS, 0)
        for cal, test in splits:
            thresholds = mapie.thresholds(risks[cal])
            for alpha, t in zip(ALPHAS, thresholds, strict=True):
                uncertified[alpha] += not np.isfinite(t)  # MAPIE's LTT returns NaN: no set
                P = (S[test] > t).astype(np.int8)
                vals, info, size = per_alpha[alpha]
                vals.append(losses(Y[test], P, risk).mean())
                info.append(informativeness(risk, P, Y[test]))
                size.append(P.sum(axis=1).mean())
        for alpha, (vals, info, size) in per_alpha.items():
            row = {"dataset": name, "rule": rule_name, "alpha": alpha, "n_cal": half}
            row |= summarise(vals, alpha, kind)
            row |= {"info": float(np.mean(info)), "size": float(np.mean(size))}
            if uncertified[alpha]:
                row["uncertified"] = uncertified[alpha]
            rows.append(row)
    rows += timing_rows(name, S, Y, splits[:5])
    return rows


def per_label_rows(name, S, Y, splits, half):
    """Per-label recall: each kept label's FNR among the judged rows having it, against alpha.

    Labels are kept when the pool has at least 2.5 times the positives the guarantee needs in a
    calibration set; resplits where a kept label still falls short (the rule refuses: no
    promise is made) are counted apart.
    """
    rows = []
    pool = Y.sum(axis=0)
    for rule_name, delta in [("lw per-label recall CRC", None), ("lw per-label recall LTT", DELTA)]:
        for alpha in ALPHAS:
            # the most labels m whose m most frequent all have the positives needed (Bonferroni
            # over m labels with delta)
            order = np.argsort(-pool, kind="stable")
            keep = np.zeros(Y.shape[1], dtype=bool)
            for m in range(Y.shape[1], 0, -1):
                tests = m if delta is not None else 1
                needed = required_calibration_size(alpha, delta, n_tests=tests)
                if pool[order[m - 1]] >= 2.5 * needed:
                    keep[order[:m]] = True
                    break
            row = {"dataset": name, "rule": rule_name, "alpha": alpha, "n_cal": half}
            if not keep.any():
                row["refused"] = f"no label has {2.5 * needed:g} positives in the pool"
                rows.append(row)
                continue
            Yk, Sk = Y[:, keep], S[:, keep]
            fnr, viol, info, size, short, fit_ms = [], [], [], [], 0, []
            for cal, test in splits:
                t0 = time.perf_counter()
                try:
                    rule = RecallControl(alpha, delta, per_label=True).fit(Yk[cal], Sk[cal])
                except ProblemSetupError:
                    short += 1
                    continue
                fit_ms.append(1000 * (time.perf_counter() - t0))
                P = rule.predict(Sk[test])
                Yt = Yk[test]
                pos = Yt.sum(axis=0)
                label_fnr = np.divide(
                    (Yt & (1 - P)).sum(axis=0), pos, out=np.zeros(len(pos)), where=pos > 0
                )
                fnr.append(label_fnr)
                viol.append(bool((label_fnr > alpha + 1e-12).any()))
                info.append((P & Yt).sum() / max(1, P.sum()))
                size.append(P.sum(axis=1).mean())
            fnr = np.array(fnr)
            means, ses = fnr.mean(axis=0), fnr.std(axis=0, ddof=1) / np.sqrt(len(fnr))
            worst = int(np.argmax(means - alpha - 2 * ses))
            v = float(np.mean(viol))
            row |= {
                "kind": "probability" if delta is not None else "expectation",
                "viol": v,
                "viol_se": float(np.sqrt(max(v * (1 - v), DELTA * (1 - DELTA)) / len(viol))),
                "risk": float(means[worst]),
                "risk_se": float(ses[worst]),
                "info": float(np.mean(info)),
                "size": float(np.mean(size)),
                "ms_fit": float(np.median(fit_ms)),
                "labels": f"{int(keep.sum())} of {Y.shape[1]} labels",
                "short": short,
            }
            rows.append(row)
    return rows


def timing_rows(name, S, Y, splits):
    """Full calibration time: MAPIE's calibrate (3 alphas in one call) vs labelwise's fit of
    one rule per alpha, on the same calibration halves."""
    from mapie.risk_control import MultiLabelClassificationController

    out = []
    pairs = [
        ("recall CRC", "recall", "crc", lambda a: RecallControl(a)),
        ("recall high-probability", "recall", "rcps", lambda a: RecallControl(a, DELTA)),
        ("precision LTT", "precision", "ltt", lambda a: PrecisionControl(a, DELTA)),
    ]
    for label, risk, method, make in pairs:
        t_mapie, t_lw = [], []
        for cal, _ in splits:
            kw = {"confidence_level": 1 - DELTA} if method != "crc" else {}
            ctrl = MultiLabelClassificationController(
                predict_function=lambda X: S[np.asarray(X).ravel().astype(int)],
                risk=risk,
                method=method,
                target_level=[1 - a for a in ALPHAS],
                **kw,
            )
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ctrl.calibrate(cal.reshape(-1, 1), Y[cal])
            t_mapie.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for alpha in ALPHAS:
                try:
                    make(alpha).fit(Y[cal], S[cal])
                except ProblemSetupError:
                    pass
            t_lw.append(time.perf_counter() - t0)
        out.append(
            {
                "dataset": name,
                "timing": label,
                "mapie_s": float(np.median(t_mapie)),
                "lw_s": float(np.median(t_lw)),
            }
        )
    return out


def _ok(row):
    """The promise kept: viol <= delta + 2 SE (probability), mean risk <= alpha + 2 SE."""
    if row["kind"] == "probability":
        return row["viol"] <= DELTA + 2 * row["viol_se"]
    return row["risk"] <= row["alpha"] + 2 * row["risk_se"]


PAIRS = [  # (labelwise rule, MAPIE rule): the same promise
    ("lw recall CRC", "MAPIE recall CRC"),
    ("lw recall LTT", "MAPIE recall RCPS (WSR)"),
    ("lw precision LTT", "MAPIE precision LTT"),
]


def summary(all_rows):
    rated = [r for r in all_rows if "rule" in r and "kind" in r]
    lines = ["## Summary", ""]
    for lib in ("lw", "MAPIE"):
        rows = [r for r in rated if r["rule"].startswith(lib)]
        bad = [f"{r['dataset']} {r['rule']} alpha={r['alpha']:g}" for r in rows if not _ok(r)]
        refused = sum("refused" in r for r in all_rows if r.get("rule", "").startswith(lib))
        lines.append(
            f"- {'labelwise' if lib == 'lw' else 'MAPIE'}: promise kept in "
            f"**{len(rows) - len(bad)} of {len(rows)}** (dataset, rule, alpha) rows"
            + (f"; not kept: {'; '.join(bad)}" if bad else "")
            + (f"; {refused} rows refused (calibration set too small)" if refused else "")
        )
    for lw, mp in PAIRS:
        wins = ties = losses = 0
        for r in rated:
            if r["rule"] != lw:
                continue
            m = next(
                (
                    x
                    for x in rated
                    if x["rule"] == mp and x["dataset"] == r["dataset"] and x["alpha"] == r["alpha"]
                ),
                None,
            )
            if m is None or not (_ok(r) and _ok(m)):
                continue
            diff = r["info"] - m["info"]
            wins += diff > 5e-4
            ties += abs(diff) <= 5e-4
            losses += diff < -5e-4
        what = "precision" if "recall" in lw else "recall"
        lines.append(
            f"- {lw} vs {mp} (both valid): labelwise's sets have higher {what} in {wins}, "
            f"equal (within 0.0005) in {ties}, lower in {losses} (dataset, alpha) cells"
        )
    ratios = [r["mapie_s"] / max(r["lw_s"], 1e-9) for r in all_rows if "timing" in r]
    if ratios:
        lines.append(
            f"- calibration time, MAPIE calibrate / labelwise fit (3 alphas): "
            f"{min(ratios):.0f}x to {max(ratios):.0f}x (median {np.median(ratios):.0f}x)"
        )
    return [*lines, ""]


def _fmt(row):
    if "refused" in row:
        return f"| {row['rule']} | {row['alpha']:g} | refused: {row['refused']} | | | | |"
    ok = "yes" if _ok(row) else "**NO**"
    ms = f"{row['ms_fit']:.2f}" if "ms_fit" in row else ""
    info = "" if row["rule"].endswith("FP count CRC") else f"{row['info']:.3f}"
    if "labels" in row:
        info += f" ({row['labels']}; worst label's mean FNR"
        info += f"; {row['short']} resplits short)" if row["short"] else ")"
    if row.get("uncertified"):
        info += f" (no threshold in {row['uncertified']} resplits: empty sets)"
    return (
        f"| {row['rule']} | {row['alpha']:g} | {row['viol']:.3f} | "
        f"{row['risk']:.4f} +- {row['risk_se']:.4f} | {ok} | {info} | {row['size']:.2f} | {ms} |"
    )


def report(all_rows, args, seconds):
    lines = [
        "# Guaranteed decisions on real data: validity and informativeness, labelwise vs MAPIE",
        "",
        f"Command: `flock .bench.lock .venv-peers/bin/python benchmarks/"
        f"risk_control.py --resplits {args.resplits}"
        + (f" --datasets {args.datasets}" if args.datasets else "")
        + (f" --protocol {args.protocol}" if args.protocol != "bootstrap" else "")
        + (f" --out {args.out}`" if args.out else "`")
        + "  ",
        f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; total "
        f"{seconds:.0f} s; delta = {DELTA}; {args.resplits} resplits per dataset (the same for "
        "every rule): "
        + (
            "calibration sets of N // 2 rows drawn i.i.d. (with replacement) from the pool of N "
            "scored rows, every rule judged by its true risk, its mean loss over the pool."
            if args.protocol == "bootstrap"
            else "random half/half splits of the pool, judged by the test half's empirical risk."
        ),
        "",
        "`ok`: for a promise with probability 1 - delta, viol <= delta + 2 SE; for a promise in "
        "expectation (CRC), mean risk <= alpha + 2 SE. `info`: micro precision of the sets for "
        "recall-controlled rules, micro recall for precision-controlled ones (higher is more "
        "informative). For the FP rule alpha is the allowed expected number of false positives "
        "per example.",
        "",
    ]
    lines += summary(all_rows)
    by_data = {}
    for row in all_rows:
        by_data.setdefault(row["dataset"], []).append(row)
    for name, rows in by_data.items():
        n_cal = next(r["n_cal"] for r in rows if "n_cal" in r)
        lines += [
            f"## {name} (calibration sets: {n_cal} rows)",
            "",
            "| rule | alpha | viol | mean risk +- SE | ok | info | size | ms/fit |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [_fmt(r) for r in rows if "rule" in r]
        lines += [
            "",
            "| calibration of 3 alphas | MAPIE calibrate (s) | labelwise fit (s) | ratio |",
        ]
        lines += ["|---|---|---|---|"]
        for r in rows:
            if "timing" in r:
                ratio = r["mapie_s"] / max(r["lw_s"], 1e-9)
                lines.append(
                    f"| {r['timing']} | {r['mapie_s']:.3f} | {r['lw_s']:.4f} | {ratio:.0f}x |"
                )
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resplits", type=int, default=500)
    ap.add_argument("--datasets", default="", help="comma-separated subset")
    ap.add_argument("--out", default=None)
    ap.add_argument("--protocol", choices=("bootstrap", "halves"), default="bootstrap")
    args = ap.parse_args()
    names = args.datasets.split(",") if args.datasets else MULAN_SETS + TEXT_SETS
    t0 = time.perf_counter()
    all_rows = []
    for name in names:
        t1 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            S, Y = text_scores(name) if name in TEXT_SETS else mulan_scores(name)
        print(f"{name}: scores {S.shape} in {time.perf_counter() - t1:.0f} s", flush=True)
        rows = run_dataset(name, S, Y, args.resplits, args.protocol)
        all_rows += rows
        for r in rows:
            print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()})
        print(f"{name}: done in {time.perf_counter() - t1:.0f} s", flush=True)
        if args.out:  # write as we go, so a long run leaves its finished datasets
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(report(all_rows, args, time.perf_counter() - t0))
    text = report(all_rows, args, time.perf_counter() - t0)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
