"""``labelwise serve``: put a model file behind an HTTP endpoint (FastAPI on uvicorn)."""

from __future__ import annotations

import errno
import math
import os
import warnings
from pathlib import Path

import click

from labelwise.cli._main import main
from labelwise.serve.app import DEFAULT_LIMITS

API_KEY_ENV = "LABELWISE_API_KEY"


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not math.isfinite(value):  # FloatRange lets NaN through (every comparison is False)
        raise click.BadParameter(f"{value} is not a number of seconds.")
    return value


def _api_key(path: str | None) -> str | None:
    """The key from ``--api-key-file`` (its first line), else from the environment, else None."""
    if path is not None:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise click.ClickException(f"--api-key-file {path}: cannot read it ({err}).") from None
        key = lines[0].strip() if lines else ""
        if not key:
            raise click.ClickException(f"--api-key-file {path}: the file holds no key.")
        return key
    key = os.environ.get(API_KEY_ENV, "").strip()
    return key or None


@main.command("serve")
@click.argument("model_path", metavar="MODEL")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--max-batch",
    default=DEFAULT_LIMITS["max_batch"],
    show_default=True,
    type=click.IntRange(min=1),
    help="The most instances one request may carry (more get HTTP 413).",
)
@click.option(
    "--max-text-chars",
    default=DEFAULT_LIMITS["max_text_chars"],
    show_default=True,
    type=click.IntRange(min=1),
    help="The most characters one text may have (longer get HTTP 413).",
)
@click.option(
    "--max-body",
    default=DEFAULT_LIMITS["max_body"],
    show_default=True,
    type=click.IntRange(min=1),
    help="The most bytes a request body may have (larger get HTTP 413 before being read).",
)
@click.option(
    "--read-timeout",
    default=DEFAULT_LIMITS["read_timeout"],
    show_default=True,
    type=click.FloatRange(min=0.1, max=3600),
    callback=_finite,
    help="Seconds a client has to send a request's headers, and then its body "
    "(HTTP 408 or the connection closed after it).",
)
@click.option(
    "--api-key-file",
    type=click.Path(dir_okay=False),
    default=None,
    help=f"A file whose first line is the API key every route but /health then requires "
    f"(Authorization: Bearer KEY). Without it, the key is taken from ${API_KEY_ENV} if set.",
)
@click.option("--log-level", default="warning", show_default=True, help="uvicorn's log level.")
def serve_command(
    model_path: str,
    host: str,
    port: int,
    max_batch: int,
    max_text_chars: int,
    max_body: int,
    read_timeout: float,
    api_key_file: str | None,
    log_level: str,
) -> None:
    """Serve the model in MODEL over HTTP until interrupted.

    POST /predict with {"instances": [[...], ...]} (feature rows) or {"texts": [...]} returns
    each instance's labels and scores, decided by the model's own rule; GET /labels, /health
    and /metadata describe the model; /docs is the OpenAPI page. The model is loaded once,
    with the safe loader, and must answer one self-check prediction before the server listens.
    """
    try:
        from labelwise.serve import create_app
        from labelwise.serve._runner import bind, is_loopback, run
    except ImportError as err:
        raise click.UsageError(
            f'serving needs FastAPI and uvicorn: pip install "labelwise[serve]" ({err})'
        ) from None
    api_key = _api_key(api_key_file)
    try:
        app = create_app(
            model_path,
            max_batch=max_batch,
            max_text_chars=max_text_chars,
            max_body=max_body,
            read_timeout=read_timeout,
            api_key=api_key,
        )
    except ImportError as err:
        raise click.UsageError(
            f'serving needs FastAPI and uvicorn: pip install "labelwise[serve]" ({err})'
        ) from None
    try:
        sock = bind(host, port)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise click.ClickException(f"port {port} on {host} is already in use") from None
        raise click.ClickException(
            f"cannot listen on {host} port {port}: {err.strerror or err}"
        ) from None
    if api_key is None and not is_loopback(host):
        warnings.warn(
            f"serving on {host}, which other machines can reach, without an API key; "
            f"set one with --api-key-file or ${API_KEY_ENV}.",
            UserWarning,
            stacklevel=1,
        )
    port = sock.getsockname()[1]
    served = app.state.served
    click.echo(
        f"serving {model_path} ({served.input} input, {len(served.label_names)} labels) at "
        f"http://{host}:{port} (API docs at /docs{'; API key required' if api_key else ''}); "
        "Ctrl-C stops",
        err=True,
    )
    # From here on a warning is about one request's input (an empty text, say): the client's
    # business, and the command's collector would keep every distinct one for the server's life.
    warnings.simplefilter("ignore")
    with sock:
        run(app, sock, read_timeout=read_timeout, log_level=log_level)
