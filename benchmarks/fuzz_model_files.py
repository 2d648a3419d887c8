"""Fuzz ``labelwise.load`` with mutated copies of real model files.

Seeds are model files saved by labelwise from small synthetic problems: a ``BinaryRelevance``,
a ``ThresholdedClassifier`` with per-label thresholds, a ``BinaryRelevance`` over a small random
forest (decision trees are validated after loading), a ``TfidfClassifier`` (text) and, when
torch is installed, a ``NeuralClassifier`` (stored as a state tree and ``.npz`` arrays). Each
input is a seed with one to three mutations:

* bytes of the file: bit flips, truncation, overwritten or spliced regions;
* members: deleted, duplicated, swapped, renamed, added, replaced by junk;
* JSON documents (``metadata.json``, ``MANIFEST.json``, the skops ``schema.json``, a state tree):
  nesting from 50 to 1,000,000 levels, size bombs (16 to 64 MiB of JSON), edited values (label
  names that are numbers or too few, wrong feature counts, a 5,000-digit ``format_version``);
* inflation bombs: a member of 64 MiB to 1 GiB of zeros in a file of a few hundred KB, in the
  model file or inside the skops archive; headers that lie about sizes; compression methods
  other than deflate; the encryption flag;
* the skops archive: bit flips (bad CRCs), schema edits (values, classes, loaders), array headers
  that declare other shapes; the estimator replaced by another object (a ``functools.partial`` of
  a trusted function, a transformer, an unfitted model, another seed's model);
* most member-level mutations recompute the manifest afterwards (what an attacker can always do),
  so the SHA-256 checks pass and the deeper checks must catch the damage.

Each load runs in a worker process with a time limit and an address-space limit; the worker's
peak resident memory (``VmHWM``, reset before each case) is recorded. An input counts as

* **ok**: ``load`` returned a model; it must then ``predict_proba`` and ``predict`` on the seed's
  sample input without an exception (else it counts as **predict failed**);
* **labelwise error**: an exception from ``labelwise.errors``; those that ``load``'s last line
  wrapped ("an unexpected ...") are counted apart as **unexpected** (each is a gap to close);
* **foreign exception**: anything else (a bug);
* **hang**: no answer within ``--timeout`` seconds (the worker is killed and restarted);
* **crash**: the worker died (a segfault, or the kernel's out-of-memory killer).

Inputs are reproducible: input ``i`` depends only on ``--seed`` and ``i``.

Usage::

    flock .bench.lock .venv/bin/python benchmarks/fuzz_model_files.py --n 10000
"""

from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import io
import json
import multiprocessing as mp
import struct
import sys
import tempfile
import time
import traceback
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MiB = 2**20
MANIFEST = "MANIFEST.json"

# ----------------------------------------------------------------------------- seeds


@dataclass
class Seed:
    """A model file saved by labelwise and an input its model predicts on."""

    name: str
    data: bytes
    sample: object
    members: dict[str, bytes] = field(default_factory=dict)  # every member, manifest included


def _members(data: bytes) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def build_seeds(workdir: Path, *, neural: bool = True) -> list[Seed]:
    """Fit small models and save them (a few seconds)."""
    import warnings

    from sklearn.datasets import make_multilabel_classification
    from sklearn.ensemble import RandomForestClassifier

    from labelwise.decision import PerLabelThreshold, ThresholdedClassifier
    from labelwise.models import BinaryRelevance
    from labelwise.persist import save
    from labelwise.text import TfidfClassifier

    X, Y = make_multilabel_classification(n_samples=120, n_features=8, n_classes=4, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    names = ["sport", "news", "tech", "arts"]
    lists = [[names[j] for j in np.flatnonzero(row)] for row in Y]
    texts = [" ".join(f"w{int(v * 3) % 17}" for v in row) for row in X]
    models = {
        "binary_relevance": (BinaryRelevance(), X, Y, X[:5]),
        "thresholded": (
            ThresholdedClassifier(
                BinaryRelevance(), rule=PerLabelThreshold(), cv=2, random_state=0
            ),
            X,
            lists,
            X[:5],
        ),
        "forest": (
            BinaryRelevance(RandomForestClassifier(n_estimators=3, max_depth=4, random_state=0)),
            X,
            Y,
            X[:5],
        ),
        "text": (TfidfClassifier(), texts, lists, [*texts[:5], "", "unknown words only"]),
    }
    if neural:
        try:
            import torch  # noqa: F401

            from labelwise.models import NeuralClassifier

            net = NeuralClassifier((8,), max_epochs=3, early_stopping=False, random_state=0)
            models["neural"] = (net, X.astype(np.float32), Y, X[:5].astype(np.float32))
        except ImportError:
            pass
    seeds = []
    for name, (model, Xf, Yf, sample) in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(Xf, Yf)
        path = workdir / f"{name}.lw"
        save(model, path, overwrite=True)
        data = path.read_bytes()
        seeds.append(Seed(name, data, sample, _members(data)))
    return seeds


# ----------------------------------------------------------------------------- zip writing


@dataclass
class Entry:
    """One member as it goes into the archive: bytes already compressed, headers as given."""

    name: str
    raw: bytes
    crc: int
    size: int  # the uncompressed size the headers declare
    method: int = 8
    flags: int = 0


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(1, zlib.DEFLATED, -15)  # the fastest level: the fuzz builds many
    return c.compress(data) + c.flush()


def entry(name: str, data: bytes, *, stored: bool | None = None) -> Entry:
    if stored is None:
        stored = name.endswith(".npz")  # as labelwise writes them
    raw = data if stored else deflate(data)
    return Entry(name, raw, zlib.crc32(data), len(data), 0 if stored else 8)


def build_zip(entries: list[Entry]) -> bytes:
    """A zip archive written by hand, so headers can say anything."""
    out = bytearray()
    central = bytearray()
    for e in entries:
        name = e.name.encode("utf-8", "surrogateescape")
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, e.flags | 0x800, e.method, 0, 0x21,
            e.crc & 0xFFFFFFFF, len(e.raw), e.size & 0xFFFFFFFF, len(name), 0,
        )  # fmt: skip
        out += name + e.raw
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, e.flags | 0x800, e.method, 0, 0x21,
            e.crc & 0xFFFFFFFF, len(e.raw), e.size & 0xFFFFFFFF, len(name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += name
    start = len(out)
    out += central
    n = len(entries)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), start, 0)
    return bytes(out)


@functools.lru_cache(maxsize=8)
def zeros_member(size: int) -> tuple[bytes, int, str]:
    """``size`` zero bytes deflated (about 1,000 times smaller), their CRC and SHA-256."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    sha = hashlib.sha256()
    crc = 0
    raw = bytearray()
    block = bytes(16 * MiB)
    left = size
    while left > 0:
        part = block[: min(left, len(block))]
        raw += c.compress(part)
        crc = zlib.crc32(part, crc)
        sha.update(part)
        left -= len(part)
    raw += c.flush()
    return bytes(raw), crc, sha.hexdigest()


def manifest_for(members: dict[str, bytes], *, sizes: bool = True, override=None) -> bytes:
    listed = {}
    for name, data in members.items():
        if name == MANIFEST:
            continue
        listed[name] = {"sha256": hashlib.sha256(data).hexdigest()}
        if sizes:
            listed[name]["size"] = len(data)
    for name, (sha, size) in (override or {}).items():
        listed[name] = {"sha256": sha, "size": size}
    return json.dumps({"algorithm": "sha256", "members": listed}, indent=1).encode()


# ----------------------------------------------------------------------------- mutations


class Case:
    """A model file being mutated: its members (in order) and special entries."""

    def __init__(self, seed: Seed, rng: np.random.Generator, max_bomb: int) -> None:
        self.seed = seed
        self.rng = rng
        self.max_bomb = max_bomb
        self.members = dict(seed.members)
        self.special: dict[str, Entry] = {}  # name -> entry written as is (bombs, liars)
        self.override: dict[str, tuple[str, int]] = {}  # manifest rows for special entries
        self.extra_entries: list[Entry] = []  # duplicates
        self.raw_bytes: bytes | None = None  # set by byte-level mutations: the final file
        self.recompute = rng.random() < 0.8

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def names(self, *, json_only: bool = False) -> list[str]:
        names = [n for n in self.members if n not in self.special]
        if json_only:
            names = [n for n in names if n.endswith(".json")]
        return names

    def assemble(self) -> bytes:
        if self.raw_bytes is not None:
            return self.raw_bytes
        members = {k: v for k, v in self.members.items() if k != MANIFEST}
        if MANIFEST in self.members and not self.recompute:
            manifest = self.members[MANIFEST]
        elif MANIFEST in self.members:
            manifest = manifest_for(
                {k: v for k, v in members.items() if k not in self.special},
                sizes=self.rng.random() < 0.9,
                override=self.override,
            )
        else:
            manifest = None
        entries = []
        for name, data in members.items():
            entries.append(self.special.get(name) or entry(name, data))
        entries += self.extra_entries
        if manifest is not None:
            entries.append(entry(MANIFEST, manifest))
        return build_zip(entries)


def _json_values(doc):
    """Paths to every value in a JSON document (as key lists)."""
    out = []
    stack = [((), doc)]
    while stack and len(out) < 20000:
        path, v = stack.pop()
        out.append(path)
        if isinstance(v, dict):
            stack.extend(((*path, k), x) for k, x in v.items())
        elif isinstance(v, list):
            stack.extend(((*path, i), x) for i, x in enumerate(v))
    return out


def _set(doc, path, value):
    if not path:
        return value
    target = doc
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value
    return doc


_PALETTE = [
    None, True, 0, -1, 1, 3, 2**63, 10**400, 1.5, float("nan"), "", "x", "1.0", "2.0", "1" * 5000,
    "\ud800", [], [1], ["a"], ["a", "a"], [["a"]], {}, {"a": 1}, "a" * 100_000, list(range(1000)),
    "labelwise.models.binary_relevance.BinaryRelevance", "builtins.eval", "os.system",
    "ObjectNode", "JsonNode", "NoSuchNode", "TreeNode", "ListNode",
]  # fmt: skip


def _value(case: Case):
    v = case.pick(_PALETTE)
    return json.loads(json.dumps(v)) if not isinstance(v, float) else v


def _dump(doc) -> bytes:
    return json.dumps(doc).encode("utf-8", "surrogatepass")


def m_bit_flips(case: Case) -> None:
    data = bytearray(case.raw_bytes or case.assemble())
    for _ in range(int(case.rng.integers(1, 17))):
        i = int(case.rng.integers(len(data)))
        data[i] ^= 1 << int(case.rng.integers(8))
    case.raw_bytes = bytes(data)


def m_truncate(case: Case) -> None:
    data = case.raw_bytes or case.assemble()
    cut = int(case.rng.integers(len(data)))
    case.raw_bytes = data[:cut] if case.rng.random() < 0.7 else data[: len(data) - cut % 200]


def m_overwrite(case: Case) -> None:
    data = bytearray(case.raw_bytes or case.assemble())
    i = int(case.rng.integers(len(data)))
    n = int(case.rng.integers(1, 4096))
    fill = case.rng.bytes(n) if case.rng.random() < 0.5 else bytes(n)
    data[i : i + n] = fill[: len(data) - i]
    case.raw_bytes = bytes(data)


def m_splice(case: Case) -> None:
    data = case.raw_bytes or case.assemble()
    a = int(case.rng.integers(len(data)))
    b = min(len(data), a + int(case.rng.integers(1, 5000)))
    i = int(case.rng.integers(len(data) + 1))
    case.raw_bytes = data[:i] + data[a:b] + data[i:]


def m_delete_member(case: Case) -> None:
    case.members.pop(case.pick(list(case.members)), None)


def m_duplicate_member(case: Case) -> None:
    name = case.pick(case.names())
    other = case.pick(list(case.seed.members.values()))
    case.extra_entries.append(entry(name, other if case.rng.random() < 0.5 else case.members[name]))


def m_swap_members(case: Case) -> None:
    names = case.names()
    if len(names) >= 2:
        a, b = case.rng.choice(len(names), 2, replace=False)
        a, b = names[int(a)], names[int(b)]
        case.members[a], case.members[b] = case.members[b], case.members[a]


def m_rename_member(case: Case) -> None:
    name = case.pick(case.names())
    new = case.pick(["estimator.skops", "metadata.json", "states/0.json", "../evil", "x" * 300])
    case.members[new] = case.members.pop(name)


def m_add_member(case: Case) -> None:
    name = case.pick(["evil.py", "states/9.json", "states/9.npz", "__init__.py", "a/" * 50])
    case.members[name] = case.rng.bytes(int(case.rng.integers(0, 3000)))


def m_junk_content(case: Case) -> None:
    name = case.pick(case.names())
    case.members[name] = case.pick(
        [b"", case.rng.bytes(int(case.rng.integers(1, 5000))), b"null", b"[]", b"{}", b"PK\x03\x04"]
    )


def _deep(depth: int, kind: int) -> bytes:
    opener, closer = [(b"[", b"]"), (b'{"a":', b"}"), (b'[{"b":', b"}]")][kind]
    return opener * depth + b"1" + closer * depth


def _json_member(case: Case) -> tuple[str, bytes, bool]:
    """A JSON document of the file: (name, bytes, inside the skops archive?)."""
    choices = case.names(json_only=True) + ["estimator.skops/schema.json"] * 2
    name = case.pick(choices)
    if name == "estimator.skops/schema.json":
        if "estimator.skops" not in case.members:
            name = case.pick(case.names(json_only=True) or [MANIFEST])
        else:
            inner = _members(case.members["estimator.skops"])
            return name, inner.get("schema.json", b"{}"), True
    return name, case.members.get(name, b"{}"), False


def _put_json(case: Case, name: str, data: bytes, inner: bool) -> None:
    if inner:
        members = _members(case.members["estimator.skops"])
        members["schema.json"] = data
        case.members["estimator.skops"] = build_zip(
            [entry(n, d, stored=True) for n, d in members.items()]
        )
    else:
        case.members[name] = data


def m_json_nesting(case: Case) -> None:
    name, data, inner = _json_member(case)
    depth = case.pick([50, 99, 150, 199, 250, 1000, 10**5, 10**6])
    deep = _deep(depth, int(case.rng.integers(3)))
    try:
        doc = json.loads(data)
        paths = _json_values(doc)
        path = paths[int(case.rng.integers(len(paths)))]
        marker = "\u2063NEST\u2063"
        text = _dump(_set(doc, path, marker)) if path else _dump(marker)
        data = text.replace(_dump(marker), deep, 1)
    except (ValueError, TypeError, KeyError, IndexError):
        data = deep
    _put_json(case, name, data, inner)


@functools.lru_cache(maxsize=16)
def _filler(kind: int, size: int) -> bytes:
    """About ``size`` bytes of JSON: one long string, a long list, or an object of many keys."""
    if kind == 0:
        return b'"' + b" " * size + b'"'
    if kind == 1:
        return b"[" + b"0," * (size // 2) + b"0]"
    return b"{" + b'"k":1,' * (size // 6) + b'"k":1}'


def m_json_size_bomb(case: Case) -> None:
    name, data, inner = _json_member(case)
    size = case.pick([MiB, 8 * MiB, 17 * MiB, 64 * MiB])
    size = min(size, case.max_bomb)
    filler = _filler(int(case.rng.integers(3)), size)
    try:
        doc = json.loads(data)
        marker = "\u2063BOMB\u2063"
        doc = _set(doc, case.pick(_json_values(doc)[:50]), marker) if isinstance(doc, dict) else doc
        data = _dump(doc).replace(_dump(marker), filler, 1)
    except (ValueError, TypeError, KeyError, IndexError):
        data = filler
    _put_json(case, name, data, inner)


def m_json_edit(case: Case) -> None:
    name, data, inner = _json_member(case)
    try:
        doc = json.loads(data)
    except ValueError:
        return
    paths = _json_values(doc)
    for _ in range(int(case.rng.integers(1, 4))):
        path = paths[int(case.rng.integers(len(paths)))]
        try:
            if path and case.rng.random() < 0.2:  # delete
                target = doc
                for k in path[:-1]:
                    target = target[k]
                del target[path[-1]]
            else:
                doc = _set(doc, path, _value(case))
        except (KeyError, IndexError, TypeError):
            pass
        paths = _json_values(doc)
    _put_json(case, name, _dump(doc), inner)


_METADATA_EDITS = {
    "label_names": [3, [], ["a"], ["sport", "news"], ["a", "a", "b", "c"], [["x"]] * 4, "abc",
                    ["arts", "news", "sport", "tech", "extra"], [0, 1, 2, 3]],
    "n_features": [0, 7, 9, -1, "8", 10**30, True, None],
    "feature_names": [["a"], [1, 2], "x", [f"f{i}" for i in range(8)]],
    "input": ["text", "features", "images", None, 5],
    "problem_type": ["multiclass", "binary", "multilabel", "regression", None, []],
    "format_version": ["1" * 5000 + ".0", "2.0", "1.9", "1", "\u0661.0", 1.0, None],
    "format": ["other", None, 5],
    "states": [None, [], [{"tree": "x", "arrays": "y", "class": "os.system"}], "x", [1]],
    "versions": [None, [], {"scikit-learn": "0.1"}, "1.0"],
    "decision_rule": ["x", [], None, {"class": 5}],
    "training_fingerprint": [[1], "x", {"X": []}],
    "leaderboard": [[1, 2], "x", [{"a": 1}]],
    "hierarchy": [{"a": 1}, [], {"sport": None}],
}  # fmt: skip


def m_metadata_edit(case: Case) -> None:
    if "metadata.json" not in case.members:
        return
    try:
        meta = json.loads(case.members["metadata.json"])
    except ValueError:
        return
    if not isinstance(meta, dict):
        return
    for _ in range(int(case.rng.integers(1, 3))):
        key = case.pick(list(_METADATA_EDITS))
        meta[key] = json.loads(json.dumps(case.pick(_METADATA_EDITS[key])))
    case.members["metadata.json"] = _dump(meta)
    case.recompute = case.rng.random() < 0.95


def m_inflation_bomb(case: Case) -> None:
    size = min(case.pick([64 * MiB, 256 * MiB, 1024 * MiB]), case.max_bomb)
    raw, crc, sha = zeros_member(size)
    name = case.pick([*case.names(), "states/0.npz", "junk.bin"])
    case.members.setdefault(name, b"")
    lie = case.rng.random() < 0.3
    declared = int(case.rng.integers(1, 5000)) if lie else size
    case.special[name] = Entry(name, raw, crc, declared)
    case.override[name] = (sha, declared)
    case.recompute = True


def m_nested_bomb(case: Case) -> None:
    """A bomb inside the skops archive (or a state's npz)."""
    targets = [n for n in case.names() if n.endswith((".skops", ".npz"))]
    if not targets:
        return m_inflation_bomb(case)
    name = case.pick(targets)
    size = min(case.pick([64 * MiB, 256 * MiB, 1024 * MiB]), case.max_bomb)
    raw, crc, _ = zeros_member(size)
    try:
        inner = _members(case.members[name])
    except Exception:
        inner = {}
    entries = [entry(n, d, stored=True) for n, d in inner.items()]
    bomb = case.pick(["padding.npy", "schema.json", *inner][:6])
    entries = [e for e in entries if e.name != bomb]
    lie = case.rng.random() < 0.3
    entries.append(Entry(bomb, raw, crc, int(case.rng.integers(1, 5000)) if lie else size))
    case.members[name] = build_zip(entries)
    case.recompute = True


def m_lying_header(case: Case) -> None:
    name = case.pick(case.names())
    data = case.members[name]
    e = entry(name, data)
    e.size = case.pick([0, 1, max(0, len(data) - 1), len(data) + 1, 2**32 - 1, len(data) * 1000])
    if case.rng.random() < 0.3:
        e.crc ^= 0x5A5A
    case.special[name] = e
    case.override[name] = (hashlib.sha256(data).hexdigest(), e.size)


def m_compression_method(case: Case) -> None:
    import bz2
    import lzma

    name = case.pick(case.names())
    data = case.members[name]
    e = entry(name, data)
    method = case.pick([12, 14, 99, 1])
    if method == 12:
        e.raw = bz2.compress(data)
    elif method == 14:  # zip's LZMA: a 4-byte header, then the raw stream's properties
        filters = [{"id": lzma.FILTER_LZMA1}]
        props = lzma._encode_filter_properties(filters[0])
        e.raw = (
            struct.pack("<BBH", 9, 4, len(props))
            + props
            + lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters)
        )
    e.method = method
    if case.rng.random() < 0.3:
        e.flags |= 1  # encrypted
    case.special[name] = e
    case.override[name] = (hashlib.sha256(data).hexdigest(), len(data))


def m_inner_bytes(case: Case) -> None:
    """Bit flips inside the skops archive (bad CRCs, damaged headers), manifest recomputed."""
    targets = [n for n in case.names() if n.endswith((".skops", ".npz"))]
    if not targets:
        return
    name = case.pick(targets)
    data = bytearray(case.members[name])
    for _ in range(int(case.rng.integers(1, 9))):
        i = int(case.rng.integers(len(data)))
        data[i] ^= 1 << int(case.rng.integers(8))
    case.members[name] = bytes(data)
    case.recompute = True


def m_npy_header(case: Case) -> None:
    """An array inside the skops archive or a state's npz with another shape or dtype."""
    targets = [n for n in case.names() if n.endswith((".skops", ".npz"))]
    if not targets:
        return
    name = case.pick(targets)
    try:
        inner = _members(case.members[name])
    except Exception:
        return
    arrays = [n for n in inner if n.endswith(".npy")]
    if not arrays:
        return
    target = case.pick(arrays)
    try:
        arr = np.load(io.BytesIO(inner[target]), allow_pickle=False)
    except Exception:
        return
    kind = int(case.rng.integers(4))
    if kind == 0:
        new = arr.reshape(-1)[: max(0, arr.size - 1)]
    elif kind == 1:
        new = np.concatenate([arr.reshape(-1), arr.reshape(-1)]) if arr.dtype.names is None else arr
    elif kind == 2:
        new = arr.astype(case.pick([np.int8, np.float32, np.int64, np.complex128, "U3"]))
    else:  # a header that claims more than the data
        head = io.BytesIO()
        shape = (int(case.rng.integers(10**6, 10**12)),)
        np.lib.format.write_array_header_1_0(
            head, {"descr": arr.dtype.str, "fortran_order": False, "shape": shape}
        )
        inner[target] = head.getvalue() + inner[target][-arr.nbytes :]
        new = None
    if new is not None:
        buf = io.BytesIO()
        np.save(buf, new, allow_pickle=False)
        inner[target] = buf.getvalue()
    case.members[name] = build_zip([entry(n, d, stored=True) for n, d in inner.items()])
    case.recompute = True


def _objects():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils.validation import check_array

    from labelwise.models import BinaryRelevance

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = (X[:, 0] > 0).astype(int)
    return [
        functools.partial(check_array, ensure_2d=False),
        StandardScaler().fit(X),
        BinaryRelevance(),
        LogisticRegression().fit(X, y),
        BinaryRelevance().fit(X, np.column_stack([y, 1 - y])),
        {"a": 1},
        [1, 2, 3],
        np.arange(5),
        7,
        "text",
    ]


@functools.lru_cache(maxsize=1)
def _object_blobs() -> tuple[bytes, ...]:
    import skops.io as sio

    return tuple(sio.dumps(o) for o in _objects())


def m_replace_estimator(case: Case, seeds: list[Seed] | None = None) -> None:
    if case.rng.random() < 0.3 and seeds:
        other = case.pick(seeds).members.get("estimator.skops", b"")
    else:
        other = case.pick(list(_object_blobs()))
    case.members["estimator.skops"] = other
    case.recompute = True


MUTATIONS = {
    name[2:]: fn for name, fn in sorted(globals().items()) if name.startswith("m_") and callable(fn)
}
# member-level mutations are drawn more often: the byte-level ones mostly stop at the checksums
WEIGHTS = {name: (1.0 if name in ("bit_flips", "truncate", "overwrite", "splice") else 2.0)
           for name in MUTATIONS}  # fmt: skip
BYTE_LEVEL = {"bit_flips", "truncate", "overwrite", "splice"}


def make_input(
    seeds: list[Seed], rng: np.random.Generator, *, max_bomb: int = 1024 * MiB
) -> tuple[Seed, bytes, list[str]]:
    """One mutated model file: its seed, its bytes and the mutations applied."""
    seed = seeds[int(rng.integers(len(seeds)))]
    names = sorted(MUTATIONS)
    p = np.array([WEIGHTS[n] for n in names])
    k = 1 if rng.random() < 0.6 else int(rng.integers(2, 4))
    chosen = [names[int(i)] for i in rng.choice(len(names), size=k, p=p / p.sum())]
    chosen.sort(key=lambda n: n in BYTE_LEVEL)  # bytes last: they act on the finished file
    case = Case(seed, rng, max_bomb)
    for name in chosen:
        if case.raw_bytes is not None and name not in BYTE_LEVEL:
            continue
        try:  # a mutation that cannot apply to what earlier ones left is skipped
            if name == "replace_estimator":
                m_replace_estimator(case, seeds)
            else:
                MUTATIONS[name](case)
        except Exception:
            continue
    return seed, case.assemble(), chosen


# ----------------------------------------------------------------------------- loading


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _peak_mib() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_one(path: str, sample: object) -> tuple:
    """Load one file and classify the outcome (picklable, for the worker process)."""
    import warnings

    from labelwise.errors import LabelwiseError
    from labelwise.persist import load

    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = load(path)
    except LabelwiseError as err:
        msg = str(err)
        kind = "unexpected" if "(an unexpected " in msg else "labelwise"
        return (kind, type(err).__name__, msg[:400], time.perf_counter() - t0)
    except Exception as err:  # the point: catch everything else
        tb = traceback.format_exc(limit=-6)
        return ("other", type(err).__name__, str(err)[:400], tb[-3000:])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            S = np.asarray(model.predict_proba(sample), dtype=np.float64)
            model.predict(sample)
        if S.ndim != 2 or S.shape[0] != len(sample):
            raise ValueError(f"predict_proba gave shape {S.shape}")
    except Exception as err:
        return (
            "predict_failed",
            type(err).__name__,
            str(err)[:400],
            traceback.format_exc()[-2000:],
        )
    return ("ok", type(model).__name__, "", time.perf_counter() - t0)


def _worker(conn, parent_end, mem_limit: int, warmup: list) -> None:
    parent_end.close()
    if mem_limit:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))
    for path, sample in warmup:  # every clean seed once: imports (torch too) before any case
        load_one(path, sample)
    conn.send(("ready", _peak_mib()))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        _reset_peak()
        out = load_one(*job)
        conn.send((out, _peak_mib()))


class Worker:
    """A child process that loads model files; restarted after a hang or a crash."""

    def __init__(self, timeout: float, mem_limit: int, warmup: list | None = None) -> None:
        self.timeout = timeout
        self.mem_limit = mem_limit
        self.warmup = warmup or []
        self.ctx = mp.get_context("spawn")  # torch's thread pools do not survive a fork
        self.proc = None
        self.idle_mib = 0.0

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(
            target=_worker, args=(child, self.conn, self.mem_limit, self.warmup), daemon=True
        )
        self.proc.start()
        child.close()
        _, self.idle_mib = self.conn.recv()

    def load(self, path: str, sample: object) -> tuple[tuple, float]:
        if self.proc is None or not self.proc.is_alive():
            self._start()
        self.conn.send((path, sample))
        if not self.conn.poll(self.timeout):
            self.proc.kill()
            self.proc.join()
            self.proc = None
            return ("hang",), float("nan")
        try:
            return self.conn.recv()
        except EOFError:
            self.proc.join()
            code = self.proc.exitcode
            self.proc = None
            return ("crash", code), float("nan")

    def close(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.conn.send(None)
            self.proc.join(5)
            if self.proc.is_alive():
                self.proc.kill()


def load_in_process(path: str, sample: object) -> tuple[tuple, float]:
    return load_one(path, sample), float("nan")


@dataclass
class Tally:
    inputs: int = 0
    ok: int = 0
    labelwise: int = 0
    unexpected: int = 0
    other: int = 0
    predict_failed: int = 0
    hangs: int = 0
    crashes: int = 0
    peak_mib: float = 0.0
    peak_case: str = ""
    bomb_bytes: int = 0  # the largest inflated size a mutated file declared or held
    failures: list = field(default_factory=list)
    error_kinds: Counter = field(default_factory=Counter)
    by_mutation: Counter = field(default_factory=Counter)
    peak_by_mutation: dict = field(default_factory=dict)  # mutation -> worker peak RSS (MiB)
    seconds: float = 0.0

    @property
    def bad(self) -> int:
        return self.unexpected + self.other + self.predict_failed + self.hangs + self.crashes


def fuzz(
    seeds: list[Seed],
    n: int,
    *,
    seed: int = 0,
    workdir: Path,
    run=load_in_process,
    start: int = 0,
    max_bomb: int = 1024 * MiB,
) -> Tally:
    """Load ``n`` mutated model files with ``run`` (in-process or a :class:`Worker`)."""
    import re

    tally = Tally()
    t0 = time.perf_counter()
    for i in range(start, start + n):
        rng = np.random.default_rng([seed, i])
        s, data, chosen = make_input(seeds, rng, max_bomb=max_bomb)
        path = workdir / f"case-{i}.lw"
        path.write_bytes(data)
        out, peak = run(str(path), s.sample)
        path.unlink()
        tally.inputs += 1
        kind = out[0]
        if peak == peak and peak > tally.peak_mib:
            tally.peak_mib, tally.peak_case = peak, f"#{i} {s.name} {chosen}"
        problem = None
        if kind == "ok":
            tally.ok += 1
        elif kind in ("labelwise", "unexpected"):
            tally.labelwise += 1
            message = re.sub(r"\d[\d,.]*|'[^']*'|/\S+", "_", out[2].split(".lw: ", 1)[-1])[:70]
            tally.error_kinds[(out[1], message)] += 1
            if kind == "unexpected":
                tally.unexpected += 1
                problem = f"wrapped: {out[2]}"
        elif kind == "other":
            tally.other += 1
            problem = f"{out[1]}: {out[2]}\n{out[3]}"
        elif kind == "predict_failed":
            tally.predict_failed += 1
            problem = f"loaded, then predict failed: {out[1]}: {out[2]}\n{out[3]}"
        elif kind == "hang":
            tally.hangs += 1
            problem = "hang"
        else:
            tally.crashes += 1
            problem = f"worker crashed (exit code {out[1]})"
        outcome = "ok" if kind == "ok" else "error" if problem is None else "bad"
        for m in set(chosen):
            tally.by_mutation[(m, outcome)] += 1
            if peak == peak:
                tally.peak_by_mutation[m] = max(tally.peak_by_mutation.get(m, 0.0), peak)
        if problem:
            tally.failures.append((i, s.name, chosen, problem, data))
    tally.seconds = time.perf_counter() - t0
    return tally


def single_bomb(mib: int, timeout: float) -> int:
    """Load one small file whose estimator member inflates to ``mib`` MiB; print what happens."""
    from labelwise.models import BinaryRelevance
    from labelwise.persist import save

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        save(BinaryRelevance().fit(X, (X[:, :2] > 0).astype(int)), tmp / "m.lw")
        members = _members((tmp / "m.lw").read_bytes())
        raw, crc, sha = zeros_member(mib * MiB)
        members.pop(MANIFEST)
        entries = [entry(n, d) for n, d in members.items() if n != "estimator.skops"]
        entries.append(Entry("estimator.skops", raw, crc, mib * MiB))
        listed = {n: (hashlib.sha256(d).hexdigest(), len(d)) for n, d in members.items()}
        listed["estimator.skops"] = (sha, mib * MiB)
        manifest = {
            "algorithm": "sha256",
            "members": {n: {"sha256": h, "size": k} for n, (h, k) in listed.items()},
        }
        entries.append(entry(MANIFEST, json.dumps(manifest).encode()))
        path = tmp / "bomb.lw"
        path.write_bytes(build_zip(entries))
        worker = Worker(timeout, 0)
        try:
            worker._start()
            t0 = time.perf_counter()
            out, peak = worker.load(str(path), X[:2])
            seconds = time.perf_counter() - t0
        finally:
            worker.close()
        what = " ".join(str(part)[:300] for part in out[:3])
        print(f"file {path.stat().st_size:,} bytes, estimator member {mib} MiB inflated: {what}")
        print(f"seconds {seconds:.2f}; worker peak RSS {peak:.0f} MiB (idle {worker.idle_mib:.0f})")
    return 0


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="mutated files")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per load")
    ap.add_argument("--mem-limit-gb", type=float, default=6.0, help="worker address space")
    ap.add_argument("--max-bomb-mib", type=int, default=1024, help="largest inflation bomb")
    ap.add_argument("--failures", type=Path, help="save failing inputs here")
    ap.add_argument("--out", type=Path, help="also write the results here (Markdown)")
    ap.add_argument(
        "--bomb-mib", type=int, help="only load one BinaryRelevance file whose estimator member "
        "is this many MiB of zeros (the issue's case), in a fresh worker, and report its peak RSS",
    )  # fmt: skip
    args = ap.parse_args(argv)
    if args.bomb_mib:
        return single_bomb(args.bomb_mib, args.timeout)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        seeds = build_seeds(tmp)
        sizes = ", ".join(f"{s.name} {len(s.data):,} B" for s in seeds)
        print(f"seeds: {sizes}", flush=True)
        warmup = []
        for s in seeds:
            (tmp / f"seed-{s.name}.lw").write_bytes(s.data)
            warmup.append((str(tmp / f"seed-{s.name}.lw"), s.sample))
        worker = Worker(args.timeout, int(args.mem_limit_gb * 2**30), warmup)
        try:
            worker._start()
            idle = worker.idle_mib
            t = fuzz(seeds, args.n, seed=args.seed, workdir=tmp, run=worker.load,
                     max_bomb=args.max_bomb_mib * MiB)  # fmt: skip
        finally:
            worker.close()
    lines = [
        "| inputs | ok loads (predict fine) | labelwise errors | of which wrapped unexpected "
        "| foreign exceptions | loaded but predict failed | hangs | crashes | worker peak RSS "
        "(MiB) | worker RSS after loading the clean seeds (MiB) | time (s) |",
        "|" + "---|" * 11,
        f"| {t.inputs} | {t.ok} | {t.labelwise} | {t.unexpected} | {t.other} | "
        f"{t.predict_failed} | {t.hangs} | {t.crashes} | {t.peak_mib:.0f} | {idle:.0f} | "
        f"{t.seconds:.0f} |",
    ]
    print("\n".join(lines))
    print(f"peak at {t.peak_case}")
    print("\nmutation | ok | labelwise error | bad | worker peak RSS (MiB)")
    mutation_rows = []
    for m in sorted(MUTATIONS):
        row = (m, t.by_mutation[(m, "ok")], t.by_mutation[(m, "error")], t.by_mutation[(m, "bad")],
               t.peak_by_mutation.get(m, float("nan")))  # fmt: skip
        mutation_rows.append(row)
        print(f"  {row[0]:20s} {row[1]:6d} {row[2]:6d} {row[3]:6d} {row[4]:8.0f}")
    print("\nmost frequent errors:")
    for (cls, message), count in t.error_kinds.most_common(25):
        print(f"  {count:6d} {cls}: {message}")
    for i, name, chosen, problem, _ in t.failures[:10]:
        print(f"  #{i} {name} {chosen}: {problem[:1500]}", file=sys.stderr)
    if args.failures and t.failures:
        args.failures.mkdir(parents=True, exist_ok=True)
        for i, name, chosen, problem, data in t.failures:
            (args.failures / f"{i}-{name}.lw").write_bytes(data)
            (args.failures / f"{i}-{name}.txt").write_text(f"{chosen}\n{problem}\n")
    if args.out:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        table = "\n".join(
            f"| {m} | {ok} | {err} | {bad} | {mib:.0f} |" for m, ok, err, bad, mib in mutation_rows
        )
        args.out.write_text(
            f"Run {stamp}: `.venv/bin/python benchmarks/fuzz_model_files.py --n {args.n} "
            f"--seed {args.seed}`\n\nSeeds: {sizes}.\n\n" + "\n".join(lines)
            + f"\n\nPeak at {t.peak_case}.\n\n| mutation (inputs using it) | ok | labelwise "
            f"error | bad | worker peak RSS (MiB) |\n|---|---|---|---|---|\n{table}\n"
        )  # fmt: skip
    print("failures:", t.bad)
    return 1 if t.bad else 0


if __name__ == "__main__":
    sys.exit(main())
