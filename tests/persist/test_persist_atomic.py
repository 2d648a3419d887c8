"""Saving is atomic: a killed or interrupted save leaves the previous file intact and loadable,
and leaves nothing that gets in the way of the next save; existing paths are not clobbered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification

import labelwise.persist._archive as archive
from labelwise.errors import ModelExistsError, ModelFileError
from labelwise.models import BinaryRelevance, MLkNN
from labelwise.persist import load, load_metadata, save

X, Y = make_multilabel_classification(n_samples=50, n_features=4, n_classes=3, random_state=0)
X = (X - X.mean(0)) / X.std(0)  # scaled: logistic regressions converge at once


@pytest.fixture(scope="module")
def old_model():
    return BinaryRelevance().fit(X, Y)


@pytest.fixture
def previous(old_model, tmp_path):
    path = tmp_path / "model.lw"
    save(old_model, path, metadata={"metric": "old"})
    return path


def _temporaries(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".lwtmp"))


# A save in another process that writes its first member, reports, and hangs before the rest.
_SLOW_SAVE = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import labelwise.persist._archive as archive
    from labelwise.models import MLkNN
    from labelwise.persist import save

    real = archive._write_member
    def slow(zf, name, data):
        real(zf, name, data)
        zf.fp.flush()
        print("writing", flush=True)
        time.sleep(120)
    archive._write_member = slow
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 30))
    Y = (rng.random((400, 4)) < 0.3).astype(int)
    save(MLkNN(k=3).fit(X, Y), sys.argv[1], metadata={"metric": "new"}, overwrite=True)
    """
)


def test_killed_save_leaves_previous_file_intact(previous, old_model, tmp_path):
    before = previous.read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_SAVE, str(previous)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # the save is under way: a member is on disk
        assert line.strip() == "writing", proc.stderr.read()
        temps = _temporaries(tmp_path)
        assert len(temps) == 1 and temps[0].startswith(".model.lw.")
        assert (tmp_path / temps[0]).stat().st_size > 0
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert previous.read_bytes() == before
    loaded = load(previous)
    np.testing.assert_array_equal(loaded.predict_proba(X), old_model.predict_proba(X))
    assert load_metadata(previous)["metric"] == "old"
    # the dead process's temporary is left; the next save works and clears it away
    assert len(_temporaries(tmp_path)) == 1
    save(MLkNN(k=3).fit(X, Y), previous, metadata={"metric": "next"}, overwrite=True)
    assert load_metadata(previous)["metric"] == "next"
    assert _temporaries(tmp_path) == []


def test_ctrl_c_during_save_leaves_previous_file_intact(previous, old_model, tmp_path, monkeypatch):
    before = previous.read_bytes()
    calls = []

    def interrupted(zf, name, data):
        calls.append(name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        zf.writestr(name, data)

    monkeypatch.setattr(archive, "_write_member", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(MLkNN(k=3).fit(X, Y), previous, metadata={"metric": "new"}, overwrite=True)
    assert calls == ["metadata.json", "estimator.skops"]
    assert previous.read_bytes() == before
    assert _temporaries(tmp_path) == []
    monkeypatch.undo()
    loaded = load(previous)
    np.testing.assert_array_equal(loaded.predict_proba(X), old_model.predict_proba(X))


def test_interrupted_first_save_creates_nothing(old_model, tmp_path, monkeypatch):
    def interrupted(zf, name, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(archive, "_write_member", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(old_model, tmp_path / "new.lw")
    assert list(tmp_path.iterdir()) == []


def test_save_writes_through_a_temporary_and_one_rename(old_model, tmp_path, monkeypatch):
    renames = []
    real_replace = os.replace

    def spy(src, dst):
        renames.append((os.path.basename(src), os.path.basename(dst)))
        assert os.path.dirname(os.fspath(src)) == os.path.dirname(os.fspath(dst))
        real_replace(src, dst)

    monkeypatch.setattr(archive.os, "replace", spy)
    path = tmp_path / "m.lw"
    save(old_model, path)  # a new path: published with a hard link (fails if it exists)
    save(old_model, path, overwrite=True)  # an existing one: with os.replace
    assert len(renames) == 1
    src, dst = renames[0]
    assert dst == "m.lw" and src.startswith(".m.lw.") and src.endswith(".lwtmp")
    assert _temporaries(tmp_path) == []


def test_existing_path_is_refused_without_overwrite(previous, old_model):
    before = previous.read_bytes()
    with pytest.raises(ModelExistsError, match="already exists; pass overwrite=True"):
        save(old_model, previous)
    assert isinstance(ModelExistsError("x"), FileExistsError)
    assert previous.read_bytes() == before
    time.sleep(1.1)  # "created" has one-second resolution
    save(old_model, previous, overwrite=True, metadata={"metric": "replaced"})
    assert load_metadata(previous)["metric"] == "replaced"


def test_a_file_that_is_not_a_model_is_never_replaced(old_model, tmp_path):
    data = tmp_path / "train.csv"
    data.write_text("a,b\n1,2\n")
    with pytest.raises(ModelExistsError, match="not a labelwise model file"):
        save(old_model, data, overwrite=True)
    assert data.read_text() == "a,b\n1,2\n"


def test_folders_are_refused(old_model, tmp_path):
    with pytest.raises(ModelFileError, match="is a directory"):
        save(old_model, tmp_path)
    with pytest.raises(ModelFileError, match="names a folder"):
        save(old_model, f"{tmp_path}/new/")
    with pytest.raises(ModelFileError, match="does not exist"):
        save(old_model, tmp_path / "missing" / "m.lw")
    assert list(tmp_path.iterdir()) == []


def test_temporaries_of_live_processes_are_kept(old_model, tmp_path):
    live = tmp_path / f".m.lw.{os.getppid()}.abcdef.lwtmp"  # our parent: alive
    dead = tmp_path / ".m.lw.999999999.abcdef.lwtmp"  # no such process
    other = tmp_path / ".other.lw.999999999.abcdef.lwtmp"  # another target's
    for p in (live, dead, other):
        p.write_bytes(b"partial")
    save(old_model, tmp_path / "m.lw")
    assert live.exists() and other.exists() and not dead.exists()
