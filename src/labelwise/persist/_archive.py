"""The container: a zip archive written atomically, read back only after its checksums pass.

Writing goes through :func:`labelwise._files.atomic_write`: a temporary file in the target's
folder, flushed to disk and renamed over the target in one step, so a crash, a kill or a Ctrl-C
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path

from labelwise._files import atomic_write
from labelwise.errors import ModelExistsError, ModelFileError
from labelwise.persist._limits import (
    MAX_JSON_BYTES,
    Budget,
    check_bounds,
    parse_json,
    read_member,
)

__all__ = ["MANIFEST", "METADATA", "is_model_file", "read_members", "sha256", "write_atomic"]

METADATA = "metadata.json"
MANIFEST = "MANIFEST.json"


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def is_model_file(path: Path) -> bool:
    """Whether ``path`` is a zip archive whose metadata names the labelwise model format."""
    from labelwise.persist._metadata import FORMAT_NAME

    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(METADATA)
            budget = Budget(path, MAX_JSON_BYTES, max_ratio=1, max_bytes=MAX_JSON_BYTES)
            meta = parse_json(read_member(zf, info, budget, METADATA), path, METADATA)
    except Exception:  # anything unreadable is not a model file, so it is never replaced
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
    manifest = {
        "algorithm": "sha256",
        "members": {
            name: {"sha256": sha256(data), "size": len(data)} for name, data in members.items()
        },
    }
    with atomic_write(path, overwrite=overwrite, exists_error=ModelExistsError) as fh:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                _write_member(zf, name, data)
            _write_member(zf, MANIFEST, json.dumps(manifest, indent=1).encode())


def _write_member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    # weight arrays are stored as they are: deflating a fine-tuned encoder's 90 MB of float32
    # takes seconds and saves under a tenth of it
    stored = name.endswith(".npz")
    zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)


def read_members(
    path: str | os.PathLike, *, max_ratio: float | None = None, max_bytes: int | None = None
) -> tuple[dict, dict[str, bytes], Budget]:
    """The metadata and every member of a model file, after the format, size and checksum checks.

    ``max_ratio`` and ``max_bytes`` bound what the members may inflate to
    (:mod:`labelwise.persist._limits`; ``None``: the defaults). Every member's declared size is
    checked against them, and against the manifest's, before anything large is inflated.

    Returns
    -------
    metadata : dict
    members : dict of str to bytes
        Every member but the manifest.
    budget : Budget
        What the members inflated to so far; nested archives are charged to it as they are read.

    Raises
    ------
    ModelFileError
        Missing, a directory, not a zip archive, truncated, not a labelwise model, a newer major
        format version, a member over a bound, or a member whose checksum fails.
    """
    from labelwise.persist._metadata import check_format

    ratio, cap = check_bounds(max_ratio, max_bytes)
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file.")
    if path.is_dir():
        raise ModelFileError(f"{path}: is a directory, not a labelwise model file.")
    try:
        zf = zipfile.ZipFile(path)
        size = path.stat().st_size
    except zipfile.BadZipFile:
        raise ModelFileError(_not_a_zip_message(path)) from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    except Exception as exc:  # a forged central directory: bad offsets, names, sizes
        raise ModelFileError(
            f"{path}: is a damaged zip archive ({type(exc).__name__}: {exc}); save the model again."
        ) from None
    budget = Budget(path, size, max_ratio=ratio, max_bytes=cap)
    with zf:
        infos = {info.filename: info for info in zf.infolist()}
        names = [info.filename for info in zf.infolist()]
        if METADATA not in names:
            raise ModelFileError(
                f"{path}: is a zip archive but not a labelwise model file (it has no {METADATA})."
            )
        metadata, metadata_bytes = _json_member(zf, infos[METADATA], path, budget)
        check_format(metadata, path)  # before the checksums: a newer format may differ there
        if MANIFEST not in names:
            raise ModelFileError(f"{path}: is damaged: it has no {MANIFEST} (checksums).")
        manifest, _ = _json_member(zf, infos[MANIFEST], path, budget)
        listed = manifest.get("members")
        if not isinstance(listed, dict):
            raise ModelFileError(f"{path}: is damaged: {MANIFEST} lists no members.")
        present = set(names) - {MANIFEST}
        extra = sorted(present - set(listed))
        missing = sorted(set(listed) - present)
        if extra or missing or len(names) != len(set(names)):
            what = []
            if extra:
                what.append(f"members not in the manifest: {', '.join(_short(extra))}")
            if missing:
                what.append(f"members missing: {', '.join(_short(missing))}")
            if len(names) != len(set(names)):
                what.append("a member name appears twice")
            raise ModelFileError(
                f"{path}: was modified after it was written ({'; '.join(what)}); do not load it."
            )
        rest = [n for n in names if n not in (MANIFEST, METADATA)]
        for name in [METADATA, *rest]:  # declared sizes, all before any member is inflated
            _check_declared(infos[name], listed[name], path)
        for name in sorted(rest, key=lambda n: -infos[n].file_size):
            budget.charge(infos[name].file_size, name)  # the largest first: it names the culprit
        budget.used -= sum(infos[n].file_size for n in rest)  # charged again as each is read
        members = {}
        for name in [METADATA, *rest]:
            if name == METADATA:
                data = metadata_bytes
            else:
                data = read_member(zf, infos[name], budget, name)
            entry = listed[name]
            if not isinstance(entry, dict) or sha256(data) != entry.get("sha256"):
                raise ModelFileError(
                    f"{path}: member {name!r} fails its SHA-256 checksum: the file was modified "
                    "or damaged after it was written; do not load it."
                )
            members[name] = data
    return metadata, members, budget


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


def _short(names: list[str], n: int = 5) -> list[str]:
    """At most ``n`` member names, each at most 60 characters, for a message."""
    shown = [x if len(x) <= 60 else x[:57] + "..." for x in names[:n]]
    return shown + ([f"and {len(names) - n} more"] if len(names) > n else [])


def _check_declared(info: zipfile.ZipInfo, entry: object, path: Path) -> None:
    """The zip header's size of a member must be the manifest's (when the manifest has one)."""
    size = entry.get("size") if isinstance(entry, dict) else None
    if size is None:
        return
    if isinstance(size, bool) or not isinstance(size, int) or size != info.file_size:
        raise ModelFileError(  # another size is another hash: no need to inflate it to know
            f"{path}: member {info.filename!r} fails its SHA-256 checksum: its zip header "
            f"declares {info.file_size:,} bytes where {MANIFEST} says {str(size)[:40]}, so the "
            "file was modified or damaged after it was written; do not load it."
        )


def _json_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, budget: Budget
) -> tuple[dict, bytes]:
    """A JSON object member (metadata or manifest), bounded, and its bytes."""
    if info.file_size > MAX_JSON_BYTES:
        raise ModelFileError(
            f"{path}: {info.filename} declares {info.file_size:,} bytes; the bound for it is "
            f"{MAX_JSON_BYTES:,} bytes. It is not a labelwise model file."
        )
    data = read_member(zf, info, budget, info.filename)
    value = parse_json(data, path, info.filename)
    if not isinstance(value, dict):
        raise ModelFileError(
            f"{path}: {info.filename} is not a JSON object; not a labelwise model file."
        )
    return value, data
