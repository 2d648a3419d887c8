"""
The main job: ``labelwise fit --metric``
========================================

``labelwise fit DATA --metric METRIC`` is the one command that does the whole job: it checks the
data (problem type, constant labels, train/test overlap), cross-validates the candidate models
that suit the data on the **training split only** (iteratively stratified folds, cheapest first
by an estimate of each one's fit time, within ``--time-limit``), chooses the decision rule best
for METRIC by cross-fitting on out-of-fold scores, tries a blend of the best candidates, refits
the winner on all training data, reports the test split's metrics and saves a model file.

Dataset: the bundled ``emotions`` split. Seed: 0 (the command's default). The time limits here
are small so the page builds quickly; the numbers depend on the machine that built it.
"""

# %%
# On the command line
# -------------------
# The same as typing ``labelwise fit emotions --metric macro_f1 --time-limit 20 --out
# emotions.lw`` in a shell (run here through click's test runner so the page can show the output):
import tempfile
from pathlib import Path

from click.testing import CliRunner

from labelwise.cli import main

folder = Path(tempfile.mkdtemp())
result = CliRunner().invoke(
    main,
    [
        "fit",
        "emotions",
        "--metric",
        "f1_macro",
        "--time-limit",
        "20",
        "--n-jobs",
        "1",
        "--out",
        str(folder / "emotions.lw"),
    ],
)
print(result.output)

# %%
# ``labelwise evaluate`` loads the file (safely, see :doc:`plot_11_model_files`) and prints every
# metric, averaged and per label:
result = CliRunner().invoke(main, ["evaluate", str(folder / "emotions.lw"), "emotions"])
print(result.output[:2500])

# %%
# Which metrics ``--metric`` takes, and what each one makes the job optimise:
from labelwise.auto import get_objective, objective_names

for name in objective_names():
    objective = get_objective(name)
    print(f"{name:<20}{objective.summary}  [{', '.join(objective.kinds)}]")

# %%
# In Python: :class:`~labelwise.auto.AutoClassifier`
# --------------------------------------------------
# The same search as an estimator; ``leaderboard_`` holds each candidate's cross-validated score.
from labelwise.auto import AutoClassifier
from labelwise.datasets import load
from labelwise.metrics import f1_score

train, test = load("emotions", split="train"), load("emotions", split="test")
auto = AutoClassifier("f1_macro", candidates=["MLkNN", "BinaryRelevance"], cv=3, random_state=0)
auto.fit(train.X, train.Y)
for row in auto.leaderboard_:
    print(f"{row['candidate']:<62} {row['score']:.4f}  {row['rule']}")
print("chosen rule:", auto.rule_)
print("test macro-F1:", round(f1_score(test.Y, auto.predict(test.X), average="macro"), 3))
