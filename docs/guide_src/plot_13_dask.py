"""
Scale-out on Dask
=================

Training needs no special code: every parallel loop in labelwise (the labels of
:class:`~labelwise.models.BinaryRelevance`, the members of RAkEL and ensembles of chains, the
candidates and folds of the main job) goes through joblib, so inside
:func:`labelwise.scale_out.on_cluster` it runs on a Dask cluster. A lost worker or scheduler becomes
one :class:`~labelwise.scale_out.ClusterError` naming the scheduler, and the model stays unfitted.

Evaluation and prediction of data larger than memory work partition by partition:
:func:`labelwise.scale_out.predict_proba` maps a model over a Dask array's blocks, and
:func:`labelwise.scale_out.evaluate` folds each partition into a streaming metric state on a worker
and merges the states, exactly equal to the one-shot metrics for count metrics.

This page starts a small local cluster (2 workers, threads) on this machine; on a real cluster
pass the scheduler's address, e.g. ``on_cluster("tcp://scheduler:8786")``, or
``labelwise fit --scheduler tcp://scheduler:8786``. Dataset: ``scene``. No randomness.
"""

# %%
import logging

logging.getLogger("distributed").setLevel(logging.WARNING)  # no request log on the page

import dask.array as da
from distributed import Client, LocalCluster
from sklearn.linear_model import LogisticRegression

from labelwise.datasets import load
from labelwise.metrics import f1_score
from labelwise.models import BinaryRelevance
from labelwise.scale_out import evaluate, on_cluster, predict_proba

train, test = load("scene", split="train"), load("scene", split="test")
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
client = Client(cluster)

# %%
# Fit on the cluster: the six per-label fits are spread over the workers.
with on_cluster(client):
    model = BinaryRelevance(LogisticRegression(max_iter=1000), n_jobs=-1).fit(train.X, train.Y)
print(model)

# %%
# Predict and evaluate partition by partition (here 4 blocks of about 300 rows):
X = da.from_array(test.X, chunks=(300, test.X.shape[1]))
Y = da.from_array(test.Y, chunks=(300, test.Y.shape[1]))
scores = predict_proba(model, X)
result = evaluate(Y, scores, metrics=["f1_micro", "f1_macro", "label_ranking_average_precision"])
print({name: round(value, 4) for name, value in result.items()})
print(
    "one-shot f1_micro:",
    round(f1_score(test.Y, model.predict_proba(test.X) >= 0.5, average="micro"), 4),
)

client.close()
cluster.close()
