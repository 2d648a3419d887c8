"""The prediction server: an app factory over a loaded model; validation of requests.

``labelwise serve MODEL`` runs :func:`create_app` on uvicorn. Needs the ``serve`` extra
(``pip install "labelwise[serve]"``); importing this package does not import FastAPI.
"""

from labelwise.serve.app import ServedModel, create_app

__all__ = ["ServedModel", "create_app"]
