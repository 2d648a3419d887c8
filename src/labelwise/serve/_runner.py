"""Running an app on uvicorn: the listening socket, and a deadline on every request's headers.

The socket is bound here, before uvicorn starts, so a busy port is one :class:`OSError` the
command line reports in one line (not uvicorn's own log line), and uvicorn serves that very
socket (no window in which another process could take the port). uvicorn's h11 protocol times
out a connection only between requests (``timeout_keep_alive``); :class:`_HeaderDeadline` also
closes one whose request headers have not all arrived ``read_timeout`` seconds after it opened
or after its previous response, so idle and slowly-dribbling clients cannot hold connections.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

__all__ = ["bind", "is_loopback", "run", "server"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (``127.0.0.1``, ``::1``, ``localhost``).

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (``port`` 0: any free port).

    Raises
    ------
    OSError
        The address cannot be bound (``errno.EADDRINUSE`` for a port already in use).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def server(
    app: Any,
    *,
    read_timeout: float,
    timeout_keep_alive: int = 5,
    log_level: str = "warning",
) -> Any:
    """A ``uvicorn.Server`` for ``app`` with the header deadline; ``.run(sockets=[sock])``."""
    import uvicorn

    config = uvicorn.Config(
        app,
        http=_deadline_protocol(read_timeout),
        log_level=log_level,
        access_log=False,
        timeout_keep_alive=timeout_keep_alive,
        h11_max_incomplete_event_size=16 * 1024,  # the request line and headers
    )
    return uvicorn.Server(config)


def run(app: Any, sock: socket.socket, *, read_timeout: float, log_level: str = "warning") -> None:
    """Serve ``app`` on ``sock`` with uvicorn until interrupted."""
    server(app, read_timeout=read_timeout, log_level=log_level).run(sockets=[sock])


def _deadline_protocol(read_timeout: float) -> type:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class _HeaderDeadline(H11Protocol):
        """uvicorn's h11 protocol, closing a connection whose request headers are late."""

        _deadline: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = self.loop.call_later(read_timeout, self._late)

        def _late(self) -> None:
            # their_state leaves IDLE once a request's headers are complete; a request in
            # progress has RequestGuard's body deadline instead
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            super().connection_lost(exc)

    return _HeaderDeadline
