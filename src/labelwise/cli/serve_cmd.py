"""``labelwise serve``: put a model file behind an HTTP endpoint (FastAPI on uvicorn)."""

from __future__ import annotations

import click

from labelwise.cli._main import main


@main.command("serve")
@click.argument("model_path", metavar="MODEL")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--max-batch",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="The most instances one request may carry (more get HTTP 413).",
)
@click.option("--log-level", default="warning", show_default=True, help="uvicorn's log level.")
def serve_command(model_path: str, host: str, port: int, max_batch: int, log_level: str) -> None:
    """Serve the model in MODEL over HTTP until interrupted.

    POST /predict with {"instances": [[...], ...]} (feature rows) or {"texts": [...]} returns
    each instance's labels and scores, decided by the model's own rule; GET /labels, /health
    and /metadata describe the model; /docs is the OpenAPI page. The model is loaded once,
    with the safe loader, before the server listens.
    """
    try:
        import uvicorn

        from labelwise.serve import create_app

        app = create_app(model_path, max_batch=max_batch)
    except ImportError as err:
        raise click.UsageError(
            f'serving needs FastAPI and uvicorn: pip install "labelwise[serve]" ({err})'
        ) from None
    click.echo(
        f"serving {model_path} ({app.state.served.input} input, "
        f"{len(app.state.served.label_names)} labels) at http://{host}:{port} "
        f"(API docs at /docs); Ctrl-C stops",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
