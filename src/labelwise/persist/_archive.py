"""The container: a zip archive written atomically, read back only after its checksums pass.

Writing goes to a temporary file in the target's directory (named after the target and the
writing process's id), which is flushed to disk and then renamed over the target in one step
(``os.replace``), so a crash, a kill or a Ctrl-C leaves either the old file or the new one, never
half of one. Temporary files left behind by a killed process are removed by the next save to the
same path once their process is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

from labelwise.errors import ModelExistsError, ModelFileError

__all__ = ["MANIFEST", "METADATA", "is_model_file", "read_members", "sha256", "write_atomic"]

METADATA = "metadata.json"
MANIFEST = "MANIFEST.json"
_TMP_SUFFIX = ".lwtmp"
_MAX_METADATA_BYTES = 64 * 2**20


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _tmp_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]+{re.escape(_TMP_SUFFIX)}$")


def _remove_stale_temporaries(target: Path) -> None:
    """Delete temporary files of earlier saves to ``target`` whose writing process is gone."""
    pattern = _tmp_pattern(target)
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


def is_model_file(path: Path) -> bool:
    """Whether ``path`` is a zip archive whose metadata names the labelwise model format."""
    from labelwise.persist._metadata import FORMAT_NAME

    try:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(zf.read(METADATA))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("format") == FORMAT_NAME


def write_atomic(path: Path, members: Mapping[str, bytes], *, overwrite: bool) -> None:
    """Write ``members`` (name -> bytes) and a checksum manifest as one zip file at ``path``.

    The manifest is the last member. The target is replaced in one rename; without ``overwrite``
    an existing path is refused, and with it only a labelwise model file is replaced.
    """
    if path.is_dir():
        raise ModelFileError(
            f"{path}: is a directory; give a file path for the model, e.g. {path / 'model.lw'}."
        )
    if path.exists() or path.is_symlink():
        if not overwrite:
            raise ModelExistsError(
                f"{path}: already exists; pass overwrite=True (--force on the command line) to "
                "replace it, or choose another path."
            )
        if not is_model_file(path):
            raise ModelExistsError(
                f"{path}: exists and is not a labelwise model file, so it is not replaced even "
                "with overwrite=True; remove it yourself if you mean to."
            )
    if not path.parent.is_dir():
        raise ModelFileError(f"{path}: the folder {path.parent} does not exist.")
    _remove_stale_temporaries(path)
    manifest = {
        "algorithm": "sha256",
        "members": {
            name: {"sha256": sha256(data), "size": len(data)} for name, data in members.items()
        },
    }
    tmp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}{_TMP_SUFFIX}"
    try:
        with open(tmp, "xb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for name, data in members.items():
                    _write_member(zf, name, data)
                _write_member(zf, MANIFEST, json.dumps(manifest, indent=1).encode())
            fh.flush()
            os.fsync(fh.fileno())
        _publish(tmp, path, overwrite=overwrite)
    except BaseException:  # KeyboardInterrupt and SystemExit too: never leave the temporary
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _write_member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    # weight arrays are stored as they are: deflating a fine-tuned encoder's 90 MB of float32
    # takes seconds and saves under a tenth of it
    stored = name.endswith(".npz")
    zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)


def _publish(tmp: Path, path: Path, *, overwrite: bool) -> None:
    """Move the finished temporary file to ``path`` in one step."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:  # a hard link fails if ``path`` appeared meanwhile: no check-then-write race
        os.link(tmp, path)
    except FileExistsError:
        raise ModelExistsError(
            f"{path}: was created by someone else while the model was being written; nothing "
            "was replaced."
        ) from None
    except OSError:  # file systems without hard links
        if path.exists():
            raise ModelExistsError(f"{path}: already exists; nothing was replaced.") from None
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


def read_members(path: str | os.PathLike) -> tuple[dict, dict[str, bytes]]:
    """The metadata and every member of a model file, after the format and checksum checks.

    Returns
    -------
    metadata : dict
    members : dict of str to bytes
        Every member but the manifest.

    Raises
    ------
    ModelFileError
        Missing, a directory, not a zip archive, truncated, not a labelwise model, a newer major
        format version, or a member whose checksum fails.
    """
    from labelwise.persist._metadata import check_format

    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file.")
    if path.is_dir():
        raise ModelFileError(f"{path}: is a directory, not a labelwise model file.")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ModelFileError(_not_a_zip_message(path)) from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    with zf:
        names = zf.namelist()
        if METADATA not in names:
            raise ModelFileError(
                f"{path}: is a zip archive but not a labelwise model file (it has no {METADATA})."
            )
        metadata = _json_member(zf, METADATA, path)
        check_format(metadata, path)  # before the checksums: a newer format may differ there
        if MANIFEST not in names:
            raise ModelFileError(f"{path}: is damaged: it has no {MANIFEST} (checksums).")
        manifest = _json_member(zf, MANIFEST, path)
        listed = manifest.get("members") if isinstance(manifest, dict) else None
        if not isinstance(listed, dict):
            raise ModelFileError(f"{path}: is damaged: {MANIFEST} lists no members.")
        present = set(names) - {MANIFEST}
        extra = sorted(present - set(listed))
        missing = sorted(set(listed) - present)
        if extra or missing or len(names) != len(set(names)):
            what = []
            if extra:
                what.append(f"members not in the manifest: {', '.join(extra)}")
            if missing:
                what.append(f"members missing: {', '.join(missing)}")
            if len(names) != len(set(names)):
                what.append("a member name appears twice")
            raise ModelFileError(
                f"{path}: was modified after it was written ({'; '.join(what)}); do not load it."
            )
        members = {}
        for name in names:
            if name == MANIFEST:
                continue
            data = _read(zf, name, path)
            entry = listed[name]
            if not isinstance(entry, dict) or sha256(data) != entry.get("sha256"):
                raise ModelFileError(
                    f"{path}: member {name!r} fails its SHA-256 checksum: the file was modified "
                    "or damaged after it was written; do not load it."
                )
            members[name] = data
    return metadata, members


def _not_a_zip_message(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head:
        return f"{path}: is empty, not a labelwise model file."
    if head == b"PK\x03\x04":
        return (
            f"{path}: is truncated or damaged (a zip archive without its directory at the end); "
            "save the model again."
        )
    return f"{path}: is not a labelwise model file (not a zip archive)."


def _read(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        raise ModelFileError(
            f"{path}: member {name!r} is damaged ({exc}); save the model again."
        ) from None
    except Exception as exc:  # zlib.error and friends on corrupt compressed data
        raise ModelFileError(f"{path}: member {name!r} is damaged ({exc}).") from None


def _json_member(zf: zipfile.ZipFile, name: str, path: Path) -> dict:
    if zf.getinfo(name).file_size > _MAX_METADATA_BYTES:
        raise ModelFileError(f"{path}: {name} is implausibly large; not a labelwise model file.")
    try:
        value = json.loads(_read(zf, name, path))
    except ValueError as exc:
        raise ModelFileError(f"{path}: {name} is not valid JSON ({exc}).") from None
    if not isinstance(value, dict):
        raise ModelFileError(f"{path}: {name} is not a JSON object; not a labelwise model file.")
    return value
