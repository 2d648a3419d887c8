"""The ASGI layer in front of the app: authentication, body size and body read time.

It runs before routing and before a single body byte is read, so an unauthenticated client, a
body declared larger than the bound (``Content-Length``) or one that grows past it while it
streams (chunked, or lying about its length), and a client that sends its headers and then
dribbles or stops, are each answered here (401, 413, 408) without the app ever seeing them. The
body the app then reads is the one buffered here, at most ``max_body`` bytes.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["RequestGuard"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _answer(
    send: Send,
    status: int,
    loc: list[str],
    msg: str,
    kind: str,
    headers: list[tuple[bytes, bytes]] = (),  # type: ignore[assignment]
) -> None:
    """A JSON error in FastAPI's ``detail`` shape; the connection is closed after it."""
    body = json.dumps({"detail": [{"loc": loc, "msg": msg, "type": kind}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),  # the rest of an unread body is not ours to parse
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """Pure ASGI middleware that bounds what a request may cost before the app reads it.

    Parameters
    ----------
    app : ASGI application
        The app behind the guard.
    max_body : int
        The most bytes a request body may have (413 above it, ``--max-body``).
    read_timeout : float
        Seconds a client has to send the whole body once its headers are in (408 after it,
        ``--read-timeout``).
    api_key : str, optional
        When given, every path but ``open_paths`` needs ``Authorization: Bearer <api_key>``
        (401 otherwise, with a ``WWW-Authenticate`` header); compared in constant time.
    open_paths : tuple of str, default=("/health",)
        Paths that need no key.

    Examples
    --------
    >>> from starlette.applications import Starlette
    >>> from starlette.testclient import TestClient
    >>> guarded = RequestGuard(Starlette(), max_body=10, read_timeout=5.0)
    >>> TestClient(guarded).post("/", content=b"x" * 11).status_code
    413
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        read_timeout: float,
        api_key: str | None = None,
        open_paths: tuple[str, ...] = ("/health",),
    ) -> None:
        self.app = app
        self.max_body = int(max_body)
        self.read_timeout = float(read_timeout)
        self._key = None if api_key is None else api_key.encode("utf-8")
        self.open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self._key is not None and scope.get("path") not in self.open_paths:
            problem = self._unauthorized(headers.get(b"authorization"))
            if problem is not None:
                msg, challenge = problem
                await _answer(
                    send, 401, ["header", "authorization"], msg, "unauthorized",
                    [(b"www-authenticate", challenge)],
                )  # fmt: skip
                return
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _answer(
                    send, 400, ["header", "content-length"], "Content-Length is not a number.",
                    "bad_content_length",
                )  # fmt: skip
                return
            if int(declared) > self.max_body:
                await self._too_large(send, f"the body declares {int(declared)} bytes")
                return
        try:
            body = await asyncio.wait_for(self._read_body(receive), self.read_timeout)
        except asyncio.TimeoutError:
            await _answer(
                send, 408, ["body"],
                f"the body did not arrive within {self.read_timeout:g} s (--read-timeout).",
                "read_timeout",
            )  # fmt: skip
            return
        if body is None:  # the client went away
            return
        if len(body) > self.max_body:
            await self._too_large(send, f"the body has more than {self.max_body} bytes")
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or its first ``max_body + 1`` bytes, or None on a disconnect."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            if size > self.max_body or not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, send: Send, what: str) -> None:
        await _answer(
            send, 413, ["body"],
            f"{what}; this server takes at most {self.max_body} (--max-body).",
            "body_too_large",
        )  # fmt: skip

    def _unauthorized(self, header: bytes | None) -> tuple[str, bytes] | None:
        """None for the right key; otherwise the message and the ``WWW-Authenticate`` value."""
        scheme, _, token = (header or b"").strip().partition(b" ")
        if header is None or scheme.lower() != b"bearer":
            return (
                "send the API key as 'Authorization: Bearer <key>'.",
                b'Bearer realm="labelwise"',
            )
        if not hmac.compare_digest(token.strip(), self._key or b""):
            return "the API key is not valid.", b'Bearer realm="labelwise", error="invalid_token"'
        return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the buffered body once, then waits on the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
