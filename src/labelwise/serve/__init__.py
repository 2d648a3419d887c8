"""The prediction server: an app factory over a loaded model; validation of requests.

``labelwise serve MODEL`` runs :func:`create_app` on uvicorn. Needs the ``serve`` extra
(``pip install "labelwise[serve]"``); importing this package does not import FastAPI.
"""

from labelwise.serve._model import ServedModel
from labelwise.serve.app import DEFAULT_LIMITS, create_app

__all__ = ["DEFAULT_LIMITS", "ServedModel", "create_app"]
