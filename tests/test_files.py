"""labelwise._files.atomic_write: the one way labelwise replaces a file."""

from __future__ import annotations

import os
import stat

import pytest

from labelwise._files import TMP_SUFFIX, atomic_write
from labelwise.errors import ModelExistsError


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_new_file_appears_whole_with_ordinary_permissions(tmp_path):
    target = tmp_path / "out.bin"
    with atomic_write(target, overwrite=False) as fh:
        fh.write(b"abc")
        assert not target.exists()  # nothing at the target before the block ends
        assert [n.endswith(TMP_SUFFIX) for n in _names(tmp_path)] == [True]
    assert target.read_bytes() == b"abc"
    assert _names(tmp_path) == ["out.bin"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_an_error_in_the_block_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    for exc in (RuntimeError("disk full"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), atomic_write(target, overwrite=True) as fh:
            fh.write(b"half")
            raise exc
        assert target.read_bytes() == b"old"
        assert _names(tmp_path) == ["out.bin"]


def test_overwrite_replaces_and_refusal_names_the_path(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(FileExistsError, match=r"out\.bin: already exists; nothing was replaced"):
        with atomic_write(target, overwrite=False) as fh:
            fh.write(b"new")
    assert target.read_bytes() == b"old"
    with atomic_write(target, overwrite=True) as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new"
    assert _names(tmp_path) == ["out.bin"]


def test_a_target_that_appears_while_writing_is_not_replaced(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(ModelExistsError, match="already exists"):
        with atomic_write(target, overwrite=False, exists_error=ModelExistsError) as fh:
            fh.write(b"mine")
            target.write_bytes(b"theirs")  # another writer wins the race
    assert target.read_bytes() == b"theirs"
    assert _names(tmp_path) == ["out.bin"]


def test_temporaries_of_dead_processes_are_removed_by_the_next_write(tmp_path):
    dead = tmp_path / f".out.bin.999999999.abcdef{TMP_SUFFIX}"  # no such process
    live = tmp_path / f".out.bin.{os.getppid()}.abcdef{TMP_SUFFIX}"  # our parent: alive
    other = tmp_path / f".other.bin.999999999.abcdef{TMP_SUFFIX}"  # another target's
    for p in (dead, live, other):
        p.write_bytes(b"partial")
    with atomic_write(tmp_path / "out.bin", overwrite=False) as fh:
        fh.write(b"x")
    assert not dead.exists() and live.exists() and other.exists()
