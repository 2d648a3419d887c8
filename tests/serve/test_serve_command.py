"""``labelwise serve`` on the command line: the listening socket, the API key, the warnings."""

from __future__ import annotations

import socket
import subprocess
import sys
import warnings

import pytest
from click.testing import CliRunner

from labelwise.cli import main

CLI = [sys.executable, "-c", "from labelwise.cli import main; main()"]


@pytest.fixture
def started(monkeypatch):
    """Replace uvicorn's loop by a record of what it would have served."""
    import labelwise.serve._runner as runner

    calls = []

    def fake_run(app, sock, **kw):
        calls.append((app, sock.getsockname(), kw))
        warnings.warn("about one request's input", UserWarning, stacklevel=1)

    monkeypatch.setattr(runner, "run", fake_run)
    monkeypatch.delenv("LABELWISE_API_KEY", raising=False)
    return calls


def _busy_port() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s


def test_port_in_use_is_one_error_line(feature_model, started):
    path, _ = feature_model
    with _busy_port() as busy:
        port = busy.getsockname()[1]
        r = CliRunner().invoke(main, ["serve", str(path), "--port", str(port)])
    assert r.exit_code == 1
    assert r.output.strip() == f"Error: port {port} on 127.0.0.1 is already in use"
    assert started == []


def test_port_in_use_from_a_real_process(feature_model):
    path, _ = feature_model
    with _busy_port() as busy:
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [*CLI, "serve", str(path), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"Error: port {port} on 127.0.0.1 is already in use"
    ]


def test_options_reach_the_app(feature_model, started):
    path, _ = feature_model
    args = ["serve", str(path), "--port", "0", "--max-batch", "5", "--max-text-chars", "7",
            "--max-body", "900", "--read-timeout", "2.5"]  # fmt: skip
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    app, (host, port), kw = started[0]
    assert host == "127.0.0.1" and port > 0 and kw["read_timeout"] == 2.5
    lw = app.state.lw
    assert (lw.max_batch, lw.max_text_chars, lw.max_body) == (5, 7, 900)
    assert "warning" not in r.output  # not even the one issued while serving


def test_defaults_are_bounded(feature_model, started):
    path, _ = feature_model
    assert CliRunner().invoke(main, ["serve", str(path), "--port", "0"]).exit_code == 0
    lw = started[0][0].state.lw
    assert lw.max_body == 4 * 1024 * 1024 and lw.max_text_chars == 100_000
    assert lw.max_batch == 1000 and started[0][2]["read_timeout"] == 30.0


def test_public_address_without_key_warns_once(feature_model, started):
    path, _ = feature_model
    r = CliRunner().invoke(main, ["serve", str(path), "--host", "0.0.0.0", "--port", "0"])
    assert r.exit_code == 0, r.output
    warnings = [line for line in r.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and "0.0.0.0" in warnings[0] and "API key" in warnings[0]


def test_api_key_from_file_and_environment(feature_model, started, tmp_path, monkeypatch):
    path, _ = feature_model
    key_file = tmp_path / "key"
    key_file.write_text("s3cret-from-file\n")
    r = CliRunner().invoke(
        main,
        ["serve", str(path), "--host", "0.0.0.0", "--port", "0", "--api-key-file", str(key_file)],
    )
    assert r.exit_code == 0 and "warning" not in r.output
    monkeypatch.setenv("LABELWISE_API_KEY", "s3cret-from-env")
    assert CliRunner().invoke(main, ["serve", str(path), "--port", "0"]).exit_code == 0
    from fastapi.testclient import TestClient

    for (app, _, _), key in zip(started, ["s3cret-from-file", "s3cret-from-env"], strict=True):
        client = TestClient(app)
        assert client.get("/labels").status_code == 401
        ok = client.get("/labels", headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200


def test_empty_or_missing_key_file(feature_model, started, tmp_path):
    path, _ = feature_model
    empty = tmp_path / "empty"
    empty.write_text("\n")
    for key_file, words in ((empty, "holds no key"), (tmp_path / "absent", "cannot read")):
        r = CliRunner().invoke(
            main, ["serve", str(path), "--port", "0", "--api-key-file", str(key_file)]
        )
        assert r.exit_code == 1 and r.output.startswith("Error: --api-key-file")
        assert words in r.output
    assert started == []


@pytest.mark.parametrize("value", ["nan", "inf", "0"])
def test_read_timeout_must_be_a_number_of_seconds(feature_model, started, value):
    path, _ = feature_model
    r = CliRunner().invoke(main, ["serve", str(path), "--port", "0", "--read-timeout", value])
    assert r.exit_code == 2 and "--read-timeout" in r.output and "Traceback" not in r.output
    assert started == []
