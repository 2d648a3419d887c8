"""Replacing a file in one step: the one way labelwise writes a file someone may be reading.

:func:`atomic_write` hands out a temporary file in the target's folder, named after the target and
the writing process's id (``.{name}.{pid}.{random}.lwtmp``). When the block ends the file is
flushed to disk and renamed over the target in one step (``os.replace``), so a crash, a kill or a
Ctrl-C leaves either the old file or the new one, never half of one; if the block raises, the
temporary file is removed and the target is untouched. Without ``overwrite`` the new file is
published with a hard link, which fails if the target appeared meanwhile, so there is no
check-then-write race. Temporary files left behind by a killed process are removed by the next
write to the same target once their process is gone.

Model files (:mod:`labelwise.persist`) are written through it; so should every other file that
labelwise replaces (reports, data files, command-line output).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["TMP_SUFFIX", "atomic_write", "write_file"]

#: The suffix of the temporary files :func:`atomic_write` writes beside the target.
TMP_SUFFIX = ".lwtmp"


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str],
    *,
    overwrite: bool,
    exists_error: type[FileExistsError] = FileExistsError,
) -> Iterator[BinaryIO]:
    """Write a file through a temporary one and publish it at ``path`` in one step.

    Parameters
    ----------
    path : str or path-like
        The target. Its folder must exist; checks of what may be replaced are the caller's.
    overwrite : bool
        Replace an existing ``path``. If False and ``path`` exists when the file is published
        (even if it appeared while the block ran), nothing is replaced and ``exists_error`` is
        raised.
    exists_error : subclass of FileExistsError, default=FileExistsError
        The exception raised when ``path`` exists and ``overwrite`` is False.

    Yields
    ------
    file object
        The temporary file, open for writing bytes.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target, overwrite=False) as fh:
    ...     _ = fh.write(b"all or nothing")
    >>> target.read_text()
    'all or nothing'
    >>> with atomic_write(target, overwrite=False) as fh:
    ...     _ = fh.write(b"second")
    Traceback (most recent call last):
    ...
    FileExistsError: ...out.txt: already exists; nothing was replaced.
    >>> sorted(p.name for p in target.parent.iterdir())  # no temporary file left behind
    ['out.txt']
    """
    path = Path(path)
    _remove_stale_temporaries(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}{TMP_SUFFIX}"
    try:
        with open(tmp, "xb") as fh:  # permissions as for any new file (the umask applies)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _publish(tmp, path, overwrite=overwrite, exists_error=exists_error)
    except BaseException:  # KeyboardInterrupt and SystemExit too: never leave the temporary
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def write_file(
    path: str | os.PathLike[str],
    data: bytes | str,
    *,
    overwrite: bool,
    exists_error: type[FileExistsError] = FileExistsError,
) -> Path:
    """Write ``data`` (a ``str`` as UTF-8) to ``path`` through :func:`atomic_write`.

    Examples
    --------
    >>> import tempfile
    >>> target = write_file(Path(tempfile.mkdtemp()) / "a.txt", "café\\n", overwrite=False)
    >>> target.read_bytes()
    b'caf\\xc3\\xa9\\n'
    """
    with atomic_write(path, overwrite=overwrite, exists_error=exists_error) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def _publish(
    tmp: Path, path: Path, *, overwrite: bool, exists_error: type[FileExistsError]
) -> None:
    """Move the finished temporary file to ``path`` in one step."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:  # a hard link fails if ``path`` exists: no check-then-write race
        os.link(tmp, path)
    except FileExistsError:
        raise exists_error(f"{path}: already exists; nothing was replaced.") from None
    except OSError:  # file systems without hard links
        if path.exists():
            raise exists_error(f"{path}: already exists; nothing was replaced.") from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_stale_temporaries(target: Path) -> None:
    """Delete temporary files of earlier writes to ``target`` whose writing process is gone."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]+{re.escape(TMP_SUFFIX)}$")
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            m = pattern.match(entry.name)
            if m and not _process_alive(int(m.group(1))):
                with contextlib.suppress(OSError):
                    entry.unlink()


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else, or the platform cannot tell
        return True
    return True
