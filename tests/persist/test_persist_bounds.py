"""Loading is bounded: inflated sizes against the file's size and the manifest, JSON size and depth;
every failure is one ModelFileError naming the member and the bound."""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

from labelwise.errors import LabelwiseError, ModelFileError
from labelwise.models import BinaryRelevance
from labelwise.persist import load, load_metadata, save, untrusted_types
from labelwise.persist._limits import json_depth, parse_json

MiB = 2**20


@pytest.fixture(scope="module")
def model(small_multilabel):
    return BinaryRelevance().fit(*small_multilabel)


@pytest.fixture
def saved(model, tmp_path):
    path = tmp_path / "model.lw"
    save(model, path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name != "MANIFEST.json"}


def _forge(path, members, *, compress=zipfile.ZIP_DEFLATED, manifest=None):
    """A model file with a manifest whose checksums and sizes match (an attacker can do this)."""
    if manifest is None:
        manifest = {
            "algorithm": "sha256",
            "members": {
                k: {"sha256": hashlib.sha256(v).hexdigest(), "size": len(v)}
                for k, v in members.items()
            },
        }
    with zipfile.ZipFile(path, "w", compression=compress) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr(
            "MANIFEST.json", manifest if isinstance(manifest, bytes) else json.dumps(manifest)
        )
    return path


def _load_peak(path, **kw):
    """The ModelFileError of loading ``path`` and the peak of Python allocations meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as info:
            load(path, **kw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return info.value, peak


# --- inflated sizes -------------------------------------------------------------------------


def test_small_file_whose_member_inflates_hugely_is_refused_before_inflating(saved, tmp_path):
    members = _members(saved)
    members["estimator.skops"] = bytes(128 * MiB)  # 128 MiB of zeros deflate to 128 KiB
    bomb = _forge(tmp_path / "bomb.lw", members)
    assert bomb.stat().st_size < MiB  # a bound of 64 MiB (200 times its size is less)
    err, peak = _load_peak(bomb)
    message = str(err)
    assert "member 'estimator.skops' would inflate to 128.0 MiB" in message
    assert "max_ratio=200" in message and "bound of 64.0 MiB" in message
    assert peak < 8 * MiB  # nothing was inflated (a read would allocate 64 MiB)
    with pytest.raises(ModelFileError, match=r"estimator\.skops' would inflate"):
        load_metadata(bomb)  # the same bounds apply when only the metadata is wanted
    # a caller who trusts the file may raise the bound; the member then fails as what it is
    with pytest.raises(ModelFileError, match="not a readable skops archive"):
        load(bomb, max_ratio=2000)


def test_highly_compressible_legitimate_model_loads(tmp_path):
    """A nearest-neighbour model keeps its 0/1 training rows as float64: over 100 times smaller
    deflated. The bounds must not refuse what labelwise itself writes."""
    from labelwise.models import MLkNN

    rng = np.random.default_rng(0)
    Xb = (rng.random((3000, 300)) < 0.02).astype(float)
    Yb = (rng.random((3000, 4)) < 0.3).astype(int)
    model = MLkNN(k=5).fit(Xb, Yb)
    save(model, tmp_path / "knn.lw")
    with zipfile.ZipFile(tmp_path / "knn.lw") as zf:
        inflated = sum(i.file_size for i in zf.infolist())
    assert inflated > 100 * (tmp_path / "knn.lw").stat().st_size
    np.testing.assert_array_equal(load(tmp_path / "knn.lw").predict_proba(Xb[:50]),
                                  model.predict_proba(Xb[:50]))  # fmt: skip


def test_absolute_cap_applies_whatever_the_ratio(saved, model, small_multilabel):
    with pytest.raises(ModelFileError, match=r"'estimator\.skops' would inflate.*max_bytes="):
        load(saved, max_bytes=10_000)
    X, _ = small_multilabel
    np.testing.assert_array_equal(load(saved).predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match="max_ratio must be a number >= 1"):
        load(saved, max_ratio=0)
    with pytest.raises(ValueError, match="max_bytes must be a positive integer"):
        load(saved, max_bytes=2.5)


def _set_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size a zip's headers declare for ``name`` (a lying header)."""
    out = bytearray(data)
    raw = name.encode()
    for sig, field, name_at in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
        at = out.find(sig)
        while at >= 0:
            if out[at + name_at : at + name_at + len(raw)] == raw:
                struct.pack_into("<I", out, at + field, size)
            at = out.find(sig, at + 4)
    return bytes(out)


def test_lying_header_cannot_make_a_read_exceed_what_it_declares(saved, tmp_path):
    members = _members(saved)
    members["estimator.skops"] = bytes(64 * MiB)
    manifest = {  # the manifest agrees with the lie, so only the read can notice
        "algorithm": "sha256",
        "members": {
            k: {"sha256": hashlib.sha256(v).hexdigest(), "size": 1000 if k == "estimator.skops"
                else len(v)}
            for k, v in members.items()
        },
    }  # fmt: skip
    _forge(tmp_path / "honest.lw", members, manifest=manifest)
    liar = tmp_path / "liar.lw"
    liar.write_bytes(
        _set_declared_size((tmp_path / "honest.lw").read_bytes(), "estimator.skops", 1000)
    )
    err, peak = _load_peak(liar)
    assert "member 'estimator.skops' is damaged (BadZipFile: Bad CRC-32" in str(err)
    assert peak < 8 * MiB


def test_declared_size_must_be_the_manifests(saved, tmp_path):
    members = _members(saved)
    manifest = json.loads(zipfile.ZipFile(saved).read("MANIFEST.json"))
    manifest["members"]["estimator.skops"]["size"] = 12
    forged = _forge(tmp_path / "f.lw", members, manifest=manifest)
    with pytest.raises(ModelFileError, match=r"header declares [\d,]+ bytes where MANIFEST"):
        load(forged)


def test_nested_archive_bomb_is_refused(saved, tmp_path):
    """The skops archive inside the file is a zip too: its members count against the bound."""
    members = _members(saved)
    inner = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(members["estimator.skops"])) as src,
        zipfile.ZipFile(inner, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        dst.writestr("padding.npy", bytes(96 * MiB))
    members["estimator.skops"] = inner.getvalue()
    forged = _forge(tmp_path / "nested.lw", members, compress=zipfile.ZIP_STORED)
    err, peak = _load_peak(forged)
    expected = r"estimator\.skops \(all its members\)' would inflate to 9\d\.\d MiB"
    assert re.search(expected, str(err))
    assert peak < 8 * MiB


def test_bad_crc_inside_the_skops_archive_is_a_model_file_error(saved, tmp_path):
    members = _members(saved)
    blob = bytearray(members["estimator.skops"])
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(".npy"))
    assert info.compress_type == zipfile.ZIP_STORED  # skops stores; one byte of data changes
    blob[info.header_offset + 30 + len(info.filename) + info.file_size - 1] ^= 0xFF
    members["estimator.skops"] = bytes(blob)
    forged = _forge(tmp_path / "crc.lw", members)
    with pytest.raises(ModelFileError, match=rf"estimator\.skops/{info.filename}' is damaged"):
        load(forged)
    with pytest.raises(ModelFileError, match="is damaged"):
        untrusted_types(forged)


def test_array_whose_header_claims_more_than_it_holds_is_refused(saved, tmp_path):
    members = _members(saved)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(members["estimator.skops"])) as src,
        zipfile.ZipFile(out, "w") as dst,
    ):
        done = False
        for name in src.namelist():
            data = src.read(name)
            if name.endswith(".npy") and not done:
                fh = io.BytesIO(data)
                np.lib.format.read_magic(fh)
                _, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                head = io.BytesIO()  # the header of a 1 GB array over the original data
                header = {"descr": dtype.str, "fortran_order": fortran, "shape": (10**9 // 8,)}
                np.lib.format.write_array_header_1_0(head, header)
                data = head.getvalue() + data[fh.tell() :]
                done = True
            dst.writestr(name, data)
    members["estimator.skops"] = out.getvalue()
    with pytest.raises(ModelFileError, match=r"declares an array of shape .* holds"):
        load(_forge(tmp_path / "npy.lw", members))


def test_members_compressed_without_an_output_bound_are_refused(saved, tmp_path):
    members = _members(saved)
    forged = _forge(tmp_path / "lzma.lw", members, compress=zipfile.ZIP_LZMA)
    with pytest.raises(ModelFileError, match="compression method 14"):
        load(forged)


# --- JSON documents -------------------------------------------------------------------------


def _deep(n: int) -> bytes:
    return b'{"a": ' * n + b"1" + b"}" * n


@pytest.mark.parametrize("member", ["metadata.json", "MANIFEST.json"])
def test_deeply_nested_metadata_or_manifest_is_refused(saved, tmp_path, member):
    members = _members(saved)
    if member == "metadata.json":
        meta = json.loads(members["metadata.json"])
        text = json.dumps({**meta, "notes": "NEST"}).encode()
        members["metadata.json"] = text.replace(b'"NEST"', _deep(10**5))
        forged = _forge(tmp_path / "deep.lw", members)
    else:
        forged = _forge(
            tmp_path / "deep.lw", members, manifest=b'{"members": ' + _deep(10**5) + b"}"
        )
    with pytest.raises(
        ModelFileError, match=rf"{member} nests 100,00\d levels deep; the bound is 100"
    ):
        load(forged)
    with pytest.raises(ModelFileError, match="levels deep"):
        load_metadata(forged)


def test_deeply_nested_skops_schema_is_refused(saved, tmp_path):
    members = _members(saved)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(members["estimator.skops"])) as src,
        zipfile.ZipFile(out, "w") as dst,
    ):
        for name in src.namelist():
            data = src.read(name)
            if name == "schema.json":
                schema = json.loads(data)
                schema["content"]["content"]["extra_"] = "NEST"
                data = json.dumps(schema).encode().replace(b'"NEST"', b"[" * 10**5 + b"]" * 10**5)
            dst.writestr(name, data)
    members["estimator.skops"] = out.getvalue()
    forged = _forge(tmp_path / "deep.lw", members)
    with pytest.raises(
        ModelFileError, match=r"schema\.json nests 100,0\d\d levels deep; the bound is 200"
    ):
        load(forged)
    with pytest.raises(ModelFileError, match="levels deep"):
        untrusted_types(forged)


def test_json_member_over_its_size_bound_is_refused_before_inflating(saved, tmp_path):
    members = _members(saved)
    meta = json.loads(members["metadata.json"])
    members["metadata.json"] = json.dumps({**meta, "notes": " " * (17 * MiB)}).encode()
    forged = _forge(tmp_path / "big.lw", members)
    err, peak = _load_peak(forged)
    assert "metadata.json declares 17,8" in str(err) and "the bound for it is 16,777,216" in str(
        err
    )
    assert peak < 8 * MiB


def test_json_depth_ignores_brackets_in_strings_and_never_underestimates():
    assert json_depth(b'["[[[", "\\"[[", {"k": "}}}"}]') == 2
    assert json_depth(b'["unterminated [[[[') == 1  # the string runs to the end
    for doc in (b"[]", b"[[[1]], {}]", b'{"a": {"b": [1, [2, {"c": 3}]]}}', b"7"):
        value = json.loads(doc)

        def depth(v):
            if isinstance(v, list):
                return 1 + max((depth(x) for x in v), default=0)
            if isinstance(v, dict):
                return 1 + max((depth(x) for x in v.values()), default=0)
            return 0

        assert json_depth(doc) == depth(value)
    with pytest.raises(ModelFileError, match="not UTF-8"):
        parse_json(b'{"a": "\xff"}', tmp := __import__("pathlib").Path("m.lw"), "metadata.json")
    assert str(tmp) == "m.lw"


# --- what used to escape as foreign exceptions ------------------------------------------------


def _with_metadata(saved, tmp_path, **changes):
    members = _members(saved)
    meta = json.loads(members["metadata.json"])
    meta.update(changes)
    members["metadata.json"] = json.dumps(meta).encode()
    return _forge(tmp_path / "forged.lw", members)


def test_huge_format_version_is_a_model_file_error(saved, tmp_path):
    forged = _with_metadata(saved, tmp_path, format_version="1" * 5000 + ".0")
    with pytest.raises(ModelFileError, match=r"invalid format_version '1{14}\.\.\.'"):
        load(forged)
    for version in ("1.\u00b2", "\u0661.0", "1.0\n"):  # digits isdigit() accepts, int() refuses
        with pytest.raises(ModelFileError, match="invalid format_version"):
            load(_with_metadata(saved, tmp_path, format_version=version))


def test_newer_format_with_odd_versions_field_is_a_model_file_error(saved, tmp_path):
    forged = _with_metadata(saved, tmp_path, format_version="2.0", versions=["1.0"])
    with pytest.raises(ModelFileError, match=r"format 2\.0 \(by labelwise \?\)"):
        load(forged)


def test_unexpected_failures_inside_loading_are_model_file_errors(saved, tmp_path, monkeypatch):
    import labelwise.persist._index_checks as checks

    def boom(model, path):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(checks, "check_loaded", boom)
    with pytest.raises(ModelFileError, match="an unexpected RecursionError") as info:
        load(saved)
    assert isinstance(info.value, LabelwiseError)
