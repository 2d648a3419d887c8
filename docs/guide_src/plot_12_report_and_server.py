"""
The HTML report and the prediction server
=========================================

**The report.** ``labelwise report MODEL DATA -o report.html`` writes one self-contained page
(no network needed to open it): the model, the metric it was tuned for and its rule; scores on the
data; the dataset profile; a per-label table with each label's threshold; precision-recall, ROC
and F1-against-threshold curves; confusion matrices; label co-occurrence; calibration; and the
main job's leaderboard. Every figure is in the :ref:`gallery`.

**The server.** ``labelwise serve MODEL`` serves a model file over HTTP with FastAPI
(``pip install "labelwise[serve]"``): ``POST /predict``, ``GET /labels``, ``GET /metadata``,
``GET /health``, and the OpenAPI page at ``/docs``. Every request a client can send gets a 2xx or
a 4xx naming the field; the body size, the batch, the text length and slow clients are bounded
(``--max-body``, ``--max-batch``, ``--max-text-chars``, ``--read-timeout``), and
``--api-key-file`` requires a bearer token on every route but ``/health``.

Dataset: ``emotions``. Seed 0.
"""

# %%
import logging

logging.getLogger("httpx").setLevel(logging.WARNING)  # no request log on the page
logging.getLogger("httpx2").setLevel(logging.WARNING)  # no request log on the page

# A model file, then a report
# ---------------------------
import tempfile
from pathlib import Path

from click.testing import CliRunner

from labelwise.cli import main

folder = Path(tempfile.mkdtemp())
model_path = folder / "emotions.lw"
runner = CliRunner()
print(
    runner.invoke(
        main, ["fit", "emotions", "--rule", "per-label", "--out", str(model_path)]
    ).output.splitlines()[-1]
)
out = runner.invoke(main, ["report", str(model_path), "emotions", "-o", str(folder / "r.html")])
print(out.output)
page = (folder / "r.html").read_text(encoding="utf-8")
import re

remote = re.findall(r'(?:src|href)\s*=\s*"(?:https?:)?//', page)
print(
    f"{len(page):,} characters, {page.count('<figure')} figures, "
    f"{len(remote)} resources loaded from the network"
)

# %%
# Serving the model
# -----------------
# On a shell: ``labelwise serve emotions.lw --port 8000`` and then, from another one:
#
# .. code-block:: bash
#
#    curl -s localhost:8000/health
#    curl -s localhost:8000/labels
#    curl -s -X POST localhost:8000/predict -H 'Content-Type: application/json' \
#         -d '{"instances": [[0.1, 0.2, ...72 feature values...]]}'
#
# Here the same app runs in-process under FastAPI's test client, so the page shows real answers:
from fastapi.testclient import TestClient

from labelwise.datasets import load
from labelwise.serve import create_app

test = load("emotions", split="test")
client = TestClient(create_app(model_path))
print(client.get("/health").json())
print(client.get("/labels").json())
answer = client.post("/predict", json={"instances": test.X[:2].tolist()}).json()
print(answer)

# %%
# A bad request is a 4xx that names the field, never a 500:
bad = client.post("/predict", json={"instances": [["0.5"] * test.X.shape[1]]})
print(bad.status_code, str(bad.json()["detail"])[:200])
short = client.post("/predict", json={"instances": [[0.5, 0.5]]})
print(short.status_code, str(short.json()["detail"])[:200])

# %%
# With an API key, every route but ``/health`` needs it (``labelwise serve MODEL
# --api-key-file key.txt``; binding to a non-loopback address without one prints a warning):
locked = TestClient(create_app(model_path, api_key="s3cret-token"))
print(locked.post("/predict", json={"instances": test.X[:1].tolist()}).status_code)
print(
    locked.post(
        "/predict",
        json={"instances": test.X[:1].tolist()},
        headers={"Authorization": "Bearer s3cret-token"},
    ).status_code
)

# %%
# The OpenAPI document the ``/docs`` page is made from:
spec = client.get("/openapi.json").json()
print(sorted(spec["paths"]))
