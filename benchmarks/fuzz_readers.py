"""Fuzz every labelwise reader with corrupted copies of the shared files.

Readers (one row of the table each): Mulan ARFF with dense rows, Mulan ARFF with sparse rows,
MEKA ARFF (``-C n`` in the relation name; dense and sparse), LibSVM/XC, CSV, TSV, JSON (a list of
objects), JSON Lines, the Mulan XML label file, and :func:`labelwise.read` on files without an
extension (format sniffing).

Seeds are small files built from the shared data (``LABELWISE_SHARED``, default ``../shared``
next to the checkout): the header plus the first rows of the Mulan ARFF files, the Mulan XML
label files, MEKA/LibSVM/CSV/TSV/JSON/JSONL files written from the same data and from the
Reuters-21578 JSON file. Each input is a seed with one to three corruptions applied: truncation,
byte flips, deleted/duplicated/swapped lines, re-encoding (Latin-1, UTF-16 with and without a
BOM, a UTF-8 BOM), CRLF or lone CR line ends, very long lines, empty or whitespace-only files, NUL
bytes, unbalanced quotes/braces/brackets, deep nesting, huge/negative/NaN/infinite numbers, junk
tokens, JSON values of another type (numbers, null, lists, objects, lone surrogates where a text or
label name was), spliced and foreign content, gzip-compressed (and corrupted gzip) files.

Each read runs in a worker process with a time limit and an address-space limit. An input
counts as

* **ok**: the reader returned a Dataset (for corruptions that keep the meaning, e.g. a BOM, CRLF
  or UTF-16 with a BOM, the result must equal the clean seed's, else it counts as **garbage**);
* **labelwise error**: an exception from ``labelwise.errors`` whose message names the file
  (else it counts under **unnamed**);
* **other exception**: anything else (a bug);
* **hang**: no answer within ``--timeout`` seconds (the worker is killed and restarted);
* **changed**: the input file's bytes differ after the read.

Inputs are reproducible: input ``i`` of reader ``r`` depends only on ``--seed``, ``r`` and ``i``.

Usage::

    .venv/bin/python benchmarks/fuzz_readers.py --n 10000 --out benchmarks/_work/fuzz.md

``--failures DIR`` saves each failing input (with a note of its corruptions) for debugging.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import datetime
import gzip
import hashlib
import io
import json
import multiprocessing as mp
import os
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LABELWISE_SHARED", ROOT.parent / "shared"))
READERS = (
    "mulan_dense", "mulan_sparse", "meka", "libsvm", "csv", "tsv", "json", "jsonl", "xml",
    "sniffed",
)  # fmt: skip


# ----------------------------------------------------------------------------- seeds


@dataclass
class Seed:
    """A clean file and how to read it."""

    name: str
    filename: str  # the input's file name (extension included)
    data: bytes
    reader: str  # a key of _READ_FUNCTIONS
    kwargs: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # option -> choices, one drawn per input
    extras: dict = field(default_factory=dict)  # other files placed next to the input


def _head_arff(path: Path, n_rows: int) -> bytes:
    """The header and the first ``n_rows`` data rows of an ARFF file, as they are in the file."""
    lines = path.read_bytes().split(b"\n")
    at = next(i for i, ln in enumerate(lines) if ln.strip().lower().startswith(b"@data"))
    return b"\n".join(lines[: at + 1 + n_rows]) + b"\n"


def _meka_text(ds, name: str, n: int, *, labels_first: bool, sparse: bool) -> bytes:
    """A MEKA ARFF file (``-C n`` in the relation name) from the first ``n`` rows of ``ds``."""
    X = ds.X[:n].toarray() if sp.issparse(ds.X) else np.asarray(ds.X[:n])
    Y = ds.Y[:n].toarray() if sp.issparse(ds.Y) else np.asarray(ds.Y[:n])
    L = Y.shape[1]
    feats = [f"@attribute f{j} numeric" for j in range(X.shape[1])]
    labs = [f"@attribute '{lab}' {{0,1}}" for lab in ds.label_names]
    attrs = labs + feats if labels_first else feats + labs
    M = np.hstack([Y, X] if labels_first else [X, Y])
    c = L if labels_first else -L
    out = [f"@relation '{name}: -C {c}'", *attrs, "@data"]
    for row in M:
        if sparse:
            nz = np.flatnonzero(row)
            out.append("{" + ",".join(f"{j} {row[j]:g}" for j in nz) + "}")
        else:
            out.append(",".join(f"{v:g}" for v in row))
    return ("\n".join(out) + "\n").encode()


def _records_from_arff(ds, n: int) -> list[dict]:
    X = ds.X[:n].toarray() if sp.issparse(ds.X) else np.asarray(ds.X[:n])
    lists = ds.label_lists()[:n]
    return [
        {"id": f"r{i}", **{f"f{j}": float(v) for j, v in enumerate(x)}, "labels": labs}
        for i, (x, labs) in enumerate(zip(X.tolist(), lists, strict=True))
    ]


def _delimited(records: list[dict], delimiter: str, label_style: str) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    keys = list(records[0])
    w.writerow(keys)
    for rec in records:
        row = []
        for k in keys:
            v = rec[k]
            if k == "labels":
                v = json.dumps(v) if label_style == "json" else "|".join(v)
            row.append(v)
        w.writerow(row)
    return buf.getvalue().encode("utf-8")


def _zero_one_columns(ds, n: int, delimiter: str) -> bytes:
    X = np.asarray(ds.X[:n])
    Y = np.asarray(ds.Y[:n])
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow([*(f"f{j}" for j in range(X.shape[1])), *ds.label_names])
    for x, y in zip(X.tolist(), Y.tolist(), strict=True):
        w.writerow([*(repr(v) for v in x), *y])
    return buf.getvalue().encode("utf-8")


def build_seeds(shared: Path = SHARED) -> dict[str, list[Seed]]:
    """The clean seed files of every reader, from the shared data."""
    from labelwise.data.arff import read_arff
    from labelwise.data.hierarchy import Hierarchy
    from labelwise.data.libsvm import write_libsvm
    from labelwise.data.xml_labels import write_label_xml

    mulan = shared / "datasets" / "mulan"
    reuters_path = shared / "datasets" / "text" / "reuters21578_modapte_test.json"
    if not mulan.is_dir() or not reuters_path.is_file():
        raise FileNotFoundError(f"shared data not found under {shared} (set LABELWISE_SHARED)")
    names = ("emotions", "yeast", "scene", "birds", "flags", "genbase", "medical", "enron")
    xml = {n: (mulan / f"{n}.xml").read_bytes() for n in names}
    arff_opts = {"sparse": [None, True, False], "nan": ["error", "impute", "keep"]}
    seeds: dict[str, list[Seed]] = {r: [] for r in READERS}
    dense = [("emotions", "emotions-train", 30), ("yeast", "yeast-train", 20),
             ("scene", "scene-train", 8), ("flags", "flags-train", 40),
             ("birds", "birds-train", 15), ("genbase", "genbase-train", 12)]  # fmt: skip
    for name, file, rows in dense:
        seeds["mulan_dense"].append(Seed(
            name, f"{name}.arff", _head_arff(mulan / f"{file}.arff", rows), "read_arff",
            {"labels": f"{name}-labels.xml"}, arff_opts, {f"{name}-labels.xml": xml[name]},
        ))  # fmt: skip
    for name, file, rows in [("medical", "medical", 40), ("enron", "enron-train", 25)]:
        seeds["mulan_sparse"].append(Seed(
            name, f"{name}.arff", _head_arff(mulan / f"{file}.arff", rows), "read_arff",
            {"labels": f"{name}-labels.xml"}, arff_opts, {f"{name}-labels.xml": xml[name]},
        ))  # fmt: skip

    emotions = read_arff(mulan / "emotions-train.arff")
    yeast = read_arff(mulan / "yeast-train.arff")
    medical = read_arff(mulan / "medical.arff")
    for name, ds, n, first, sparse in [("emotions", emotions, 30, True, False),
                                       ("yeast", yeast, 20, False, False),
                                       ("medical", medical, 40, True, True)]:  # fmt: skip
        seeds["meka"].append(Seed(
            f"{name}-meka", f"{name}-meka.arff",
            _meka_text(ds, name, n, labels_first=first, sparse=sparse), "read_arff", {}, arff_opts,
        ))  # fmt: skip

    svm_opts = {"sparse": [True, False], "nan": ["error", "impute", "keep"]}
    with tempfile.TemporaryDirectory() as tmp:
        for name, ds, n, header, zero in [("emotions", emotions, 30, True, True),
                                          ("medical", medical, 40, False, False),
                                          ("yeast", yeast, 20, True, False)]:  # fmt: skip
            p = Path(tmp) / f"{name}.svm"
            write_libsvm(ds.subset(np.arange(n)), p, header=header, zero_based=zero)
            kw = {} if header else {"labels": len(ds.label_names)}
            seeds["libsvm"].append(
                Seed(f"{name}-svm", f"{name}.svm", p.read_bytes(), "read_libsvm", kw, svm_opts)
            )
        nested = Path(tmp) / "nested.xml"
        parent = {"A": None, "A1": "A", "A2": "A", "A11": "A1", "B": None, "B1": "B"}
        write_label_xml(nested, list(parent), Hierarchy(parent))
        nested_xml = nested.read_bytes()

    reuters = json.loads(reuters_path.read_bytes())
    news = [{"id": r["id"], "text": r["text"][:600], "labels": r["labels"]} for r in reuters[:25]]
    numeric = _records_from_arff(emotions, 25)
    table_opts = {"nan": ["error", "impute", "keep"]}
    for fmt, delim in (("csv", ","), ("tsv", "\t")):
        seeds[fmt] += [
            Seed(f"reuters-{fmt}", f"reuters.{fmt}", _delimited(news, delim, "json"),
                 "read_table", {"labels": "labels"}, table_opts),
            Seed(f"reuters-pipe-{fmt}", f"reuters-pipe.{fmt}", _delimited(news, delim, "pipe"),
                 "read_table", {"labels": "labels"}, table_opts),
            Seed(f"emotions-{fmt}", f"emotions.{fmt}", _zero_one_columns(emotions, 25, delim),
                 "read_table", {"labels": list(emotions.label_names)}, table_opts),
        ]  # fmt: skip
    seeds["json"] += [
        Seed("reuters-json", "reuters.json", json.dumps(news).encode(), "read_table",
             {"labels": "labels"}, table_opts),
        Seed("emotions-json", "emotions.json", json.dumps(numeric, indent=1).encode(),
             "read_table", {"labels": "labels"}, table_opts),
    ]  # fmt: skip
    seeds["jsonl"] += [
        Seed("reuters-jsonl", "reuters.jsonl",
             b"".join(json.dumps(r).encode() + b"\n" for r in news), "read_table",
             {"labels": "labels"}, table_opts),
        Seed("emotions-jsonl", "emotions.jsonl",
             b"".join(json.dumps(r).encode() + b"\n" for r in numeric), "read_table",
             {"labels": "labels"}, table_opts),
    ]  # fmt: skip
    for name, data in [*xml.items(), ("nested", nested_xml)]:
        seeds["xml"].append(Seed(f"{name}-xml", f"{name}.xml", data, "read_label_xml"))
    for reader in ("mulan_sparse", "meka", "libsvm", "csv", "tsv", "jsonl", "json"):
        s = seeds[reader][0]  # read() on a file without an extension: the content decides
        kw = {k: v for k, v in s.kwargs.items() if reader not in ("json", "jsonl", "libsvm")}
        seeds["sniffed"].append(
            Seed(f"{s.name}-sniffed", f"{s.name}", s.data, "read", kw, {}, s.extras)
        )
    return seeds


# ----------------------------------------------------------------------------- corruptions

_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_BAD_NUMBERS = [
    b"1e309", b"-1e400", b"99999999999999999999999999", b"18446744073709551617", b"2147483648",
    b"-2147483649", b"1e-400", b"nan", b"NaN", b"inf", b"-inf", b"Infinity", b"-Infinity", b"?",
    b"-1", b"-0", b"0x1F", b"1_000", b"1.2.3", b"--1", b"+-1", b"1e", b"e5", b".", b"-", b"",
    b"\xd9\xa1\xd9\xa2", b"\xef\xbc\x91", b"1,5", b"0" * 400, b"9" * 5000, b"1" + b"0" * 320,
    b"3:", b":3", b"1:2:3", b"{", b"}", b"'", b'"', b"\\", b"%", b"@data", b"true", b"null",
    b"[]", b"{}", b"[1,2]", b'{"a":1}',
]  # fmt: skip
_JUNK_LINES = [
    b"@data", b"@attribute x numeric", b"@relation 'x: -C 3'", b"@ATTRIBUTE 'q' {0,1}",
    b"% a comment", b"{", b"}", b"{0 1,", b"[", b"]", b"<label name='x'/>", b"</labels>",
    b"<labels>", b'<?xml version="1.0" encoding="bogus-enc"?>', b"<!DOCTYPE x>",
    b'<!DOCTYPE x [<!ENTITY e "abc">]>', b"&e;", b"1 2 3", b"0,1", b"1:1 2:2", b"a,b,c",
    b"\t\t", b" ", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\x1a", b'{"text": "x", "labels": 5}',
    b'{"labels": [[1]]}', b'{"labels": {"a": 1}}', b'"unterminated', b"'unterminated", b"null",
    b"1e999", b"-5:1", b"0,-3 1:1", b"99999999999 1:1", b"0 2147483647:1", b"0 -1:1",
]  # fmt: skip


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _pick_line(rng, lines) -> int:
    return int(rng.integers(len(lines)))


def c_truncate(data: bytes, rng) -> bytes:
    return data[: int(rng.integers(len(data) + 1))]


def c_flip_bytes(data: bytes, rng) -> bytes:
    if not data:
        return data
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        i = int(rng.integers(len(b)))
        b[i] = b[i] ^ (1 << int(rng.integers(8))) if rng.random() < 0.5 else int(rng.integers(256))
    return bytes(b)


def c_delete_lines(data: bytes, rng) -> bytes:
    lines = _lines(data)
    for _ in range(int(rng.integers(1, 4))):
        if lines:
            del lines[_pick_line(rng, lines)]
    return b"\n".join(lines)


def c_duplicate_lines(data: bytes, rng) -> bytes:
    lines = _lines(data)
    for _ in range(int(rng.integers(1, 4))):
        i = _pick_line(rng, lines)
        lines.insert(i, lines[i])
    return b"\n".join(lines)


def c_swap_lines(data: bytes, rng) -> bytes:
    lines = _lines(data)
    i, j = _pick_line(rng, lines), _pick_line(rng, lines)
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _recode(data: bytes, encoding: str, bom: bool = False) -> bytes:
    text = data.decode("utf-8", errors="replace")
    out = text.encode(encoding, errors="replace")
    return (codecs.BOM_UTF8 if bom else b"") + out


def c_latin1(data: bytes, rng) -> bytes:
    text = data.decode("utf-8", errors="replace")
    if rng.random() < 0.5:  # put some non-ASCII text in first, so the encoding matters
        lines = text.split("\n")
        i = int(rng.integers(len(lines)))
        lines[i] = lines[i] + " Zürich café"
        text = "\n".join(lines)
    return text.encode("latin-1", errors="replace")


def c_utf16_bom(data: bytes, rng) -> bytes:
    return _recode(data, "utf-16")  # Python writes a BOM


def c_utf16_no_bom(data: bytes, rng) -> bytes:
    return _recode(data, "utf-16-le" if rng.random() < 0.5 else "utf-16-be")


def c_utf32_bom(data: bytes, rng) -> bytes:
    return _recode(data, "utf-32")


def c_utf8_bom(data: bytes, rng) -> bytes:
    return codecs.BOM_UTF8 + data


def c_crlf(data: bytes, rng) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def c_lone_cr(data: bytes, rng) -> bytes:
    return data.replace(b"\n", b"\r")


def c_long_line(data: bytes, rng) -> bytes:
    n = int(10 ** rng.uniform(3, 6.2))
    unit = [b"0.5,", b"1 ", b"x", b"1:0.5 ", b"{", b"[", b'"', b"'", b"\xc3\xa9", b"\x00",
            b" ", b"9"][int(rng.integers(12))]  # fmt: skip
    line = (unit * (n // len(unit) + 1))[:n]
    lines = _lines(data)
    i = _pick_line(rng, lines)
    if rng.random() < 0.5:
        lines.insert(i, line)
    else:
        lines[i] = lines[i] + line
    return b"\n".join(lines)


def c_empty(data: bytes, rng) -> bytes:
    return [b"", b"\n", b"   \n\n\t\n", b"\x00" * 16, codecs.BOM_UTF8, b"\xff\xfe",
            b"%\n", b"[]", b"{}", b"null"][int(rng.integers(10))]  # fmt: skip


def c_header_only(data: bytes, rng) -> bytes:
    lines = _lines(data)
    return b"\n".join(lines[: int(rng.integers(1, min(len(lines), 40) + 1))])


def c_insert_bytes(data: bytes, rng) -> bytes:
    """NUL bytes, quotes, braces, brackets, separators at random places."""
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        tok = [b"\x00", b"'", b'"', b"{", b"}", b"[", b"]", b",", b"\t", b":", b"\n", b"\r",
               b"<", b">", b"&", b"\\", b"%", b" ", b"?", b"#"][int(rng.integers(20))]  # fmt: skip
        i = int(rng.integers(len(b) + 1))
        b[i:i] = tok
    return bytes(b)


def c_delete_bytes(data: bytes, rng) -> bytes:
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        if b:
            i = int(rng.integers(len(b)))
            del b[i : i + int(rng.integers(1, 4))]
    return bytes(b)


def c_bad_number(data: bytes, rng) -> bytes:
    matches = list(_NUMBER.finditer(data[-200_000:] if len(data) > 200_000 else data))
    if not matches:
        return data + _BAD_NUMBERS[int(rng.integers(len(_BAD_NUMBERS)))]
    off = max(0, len(data) - 200_000)
    out = data
    for _ in range(int(rng.integers(1, 4))):
        m = matches[int(rng.integers(len(matches)))]
        new = _BAD_NUMBERS[int(rng.integers(len(_BAD_NUMBERS)))]
        a, b = m.start() + off, m.end() + off
        if len(out) != len(data):  # earlier replacements moved the offsets; keep it simple
            break
        out = out[:a] + new + out[b:]
    return out


def c_negate_number(data: bytes, rng) -> bytes:
    matches = list(_NUMBER.finditer(data))
    if not matches:
        return data
    m = matches[int(rng.integers(len(matches)))]
    tok = m.group(0)
    new = tok[1:] if tok.startswith(b"-") else b"-" + tok
    return data[: m.start()] + new + data[m.end() :]


def c_junk_line(data: bytes, rng) -> bytes:
    lines = _lines(data)
    i = int(rng.integers(len(lines) + 1))
    lines.insert(i, _JUNK_LINES[int(rng.integers(len(_JUNK_LINES)))])
    return b"\n".join(lines)


def c_deep_nesting(data: bytes, rng) -> bytes:
    n = int(rng.integers(1_000, 200_000))
    opener = [b"[", b"{", b'{"a":', b"<a>", b"[{"][int(rng.integers(5))]
    i = int(rng.integers(len(data) + 1))
    return data[:i] + opener * n + data[i:]


_JSON_STRING_VALUE = re.compile(rb'([:\[,]\s*)"(?:[^"\\\n]|\\.){0,200}"')
_NOT_TEXTS = [b"12345", b"-0.5", b"1e400", b"null", b"true", b"[]", b'["a", 1]', b'{"a": null}',
              b'[[["x"]]]', b'"\\ud800"', b'"x\\udc00"', b'""', b'"caf\xe9"']  # fmt: skip


def c_json_value(data: bytes, rng) -> bytes:
    """A JSON string value (a text, a label name) replaced by another type or a broken string."""
    found = list(_JSON_STRING_VALUE.finditer(data[:200_000]))
    if not found:
        return data
    m = found[int(rng.integers(len(found)))]
    value = _NOT_TEXTS[int(rng.integers(len(_NOT_TEXTS)))]
    return data[: m.start()] + m.group(1) + value + data[m.end() :]


def c_splice(data: bytes, rng) -> bytes:
    if len(data) < 2:
        return data
    a = int(rng.integers(len(data)))
    b = min(len(data), a + int(rng.integers(1, 2000)))
    i = int(rng.integers(len(data) + 1))
    return data[:i] + data[a:b] + data[i:]


def c_random_bytes(data: bytes, rng) -> bytes:
    return rng.bytes(int(rng.integers(1, 5000)))


def c_xml_encoding(data: bytes, rng) -> bytes:
    """A corrupted or unexpected XML (or any file's first line) encoding declaration."""
    encodings = [b"utf-9", b"bogus", b"utf-16", b"latin-1", b"", b"ascii", b"cp1252", b"cp932",
                 b"utf-7", b"rot13", b"idna", b"undefined", b"punycode", b"utf-32",
                 b"hex"]  # fmt: skip
    enc = encodings[int(rng.integers(len(encodings)))]
    decl = b'<?xml version="1.0" encoding="' + enc + b'"?>'
    if rng.random() < 0.1:
        decl = b'<?xml version="9.9"?>'
    if data.startswith(b"<?xml"):
        end = data.find(b"?>")
        return decl + data[end + 2 :] if end >= 0 else decl + data
    return decl + b"\n" + data


def c_entities(data: bytes, rng) -> bytes:
    """XML entity tricks: nested expansion (billion laughs), external entities, undefined ones."""
    kind = int(rng.integers(5))
    if kind == 4:  # labels nested deeper than Python's recursion limit
        depth = int(rng.integers(500, 20_000))
        return (b"<labels>" + b"".join(b'<label name="n%d">' % k for k in range(depth))
                + b"</label>" * depth + b"</labels>")  # fmt: skip
    if kind == 0:
        ents = b'<!ENTITY a0 "lol">' + b"".join(
            b'<!ENTITY a%d "%s">' % (k, b"&a%d;" % (k - 1) * 10) for k in range(1, 10)
        )
        return b"<?xml version=\"1.0\"?><!DOCTYPE labels [" + ents + b"]>" + \
            b'<labels><label name="&a9;"/></labels>'  # fmt: skip
    if kind == 1:
        return (b'<?xml version="1.0"?><!DOCTYPE labels [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<labels><label name="&x;"/></labels>')  # fmt: skip
    if kind == 2:
        return data.replace(b'name="', b'name="&undefined;', 1)
    return data.replace(b'name="', b'name="&#0;', 1)


def c_gzip(data: bytes, rng) -> bytes:
    """Handled specially by :func:`make_input` (it renames the file to .gz)."""
    return data


CORRUPTIONS: dict[str, Callable[[bytes, np.random.Generator], bytes]] = {
    name[2:]: fn for name, fn in globals().items() if name.startswith("c_") and callable(fn)
}
MAX_MESSAGE = 1000  # characters: an error quotes bad content briefly, never a whole line
# corruptions that keep the meaning: a successful read must equal the clean seed's
PRESERVING = {"utf8_bom", "crlf", "utf16_bom", "utf32_bom"}


def make_input(seed: Seed, rng: np.random.Generator) -> tuple[bytes, str, list[str]]:
    """One corrupted input: its bytes, its file name and the corruptions applied."""
    names = sorted(CORRUPTIONS)
    k = 1 if rng.random() < 0.6 else int(rng.integers(2, 4))
    chosen = [names[int(rng.integers(len(names)))] for _ in range(k)]
    data = seed.data
    filename = seed.filename
    for name in chosen:
        if name == "gzip":
            data = gzip.compress(data, mtime=0)
            filename += ".gz"
            if rng.random() < 0.6:  # a broken archive: truncated or with flipped bytes
                data = c_truncate(data, rng) if rng.random() < 0.5 else c_flip_bytes(data, rng)
                chosen = [*chosen[: chosen.index("gzip") + 1]]
                break
            continue
        data = CORRUPTIONS[name](data, rng)
    return data, filename, chosen


def draw_options(seed: Seed, rng: np.random.Generator) -> dict:
    return {k: v[int(rng.integers(len(v)))] for k, v in sorted(seed.options.items())}


# ----------------------------------------------------------------------------- reading


def _read_functions() -> dict[str, Callable]:
    from labelwise.data.arff import read_arff
    from labelwise.data.io import read
    from labelwise.data.libsvm import read_libsvm
    from labelwise.data.tables import read_table
    from labelwise.data.xml_labels import read_label_xml

    return {
        "read_arff": read_arff, "read_libsvm": read_libsvm, "read_table": read_table,
        "read_label_xml": read_label_xml, "read": read,
    }  # fmt: skip


def digest(result) -> str:
    """A fingerprint of what a reader returned (dense values, so storage does not matter)."""
    h = hashlib.sha256()

    def add(a):
        if a is None:
            h.update(b"<none>")
            return
        if sp.issparse(a):  # canonical CSR: never densify (a read may give millions of columns)
            a = sp.csr_matrix(a, dtype=np.float64, copy=True)
            a.sum_duplicates()
            a.eliminate_zeros()
            h.update(repr(("csr", a.shape)).encode())
            for part in (a.indptr.astype(np.int64), a.indices.astype(np.int64), a.data):
                h.update(np.ascontiguousarray(part).tobytes())
            return
        a = np.asarray(a)
        h.update(repr((a.shape, str(a.dtype.kind))).encode())
        h.update(np.ascontiguousarray(a, dtype=np.float64).data)  # no copy when already float64

    if isinstance(result, tuple):  # read_label_xml: (names, hierarchy)
        names, hierarchy = result
        h.update(repr(names).encode())
        h.update(repr(None if hierarchy is None else sorted(hierarchy.parent.items())).encode())
        return h.hexdigest()
    add(result.X)
    add(result.Y)
    h.update(repr((result.label_names, result.feature_names, result.texts)).encode())
    return h.hexdigest()


def read_one(reader: str, path: str, kwargs: dict) -> tuple:
    """Run one read and classify the outcome (picklable, for the worker process)."""
    from labelwise.errors import LabelwiseError

    fn = _read_functions()[reader]
    kwargs = dict(kwargs)
    if "labels" in kwargs and isinstance(kwargs["labels"], str) and reader == "read_arff":
        kwargs["labels"] = str(Path(path).parent / kwargs["labels"])
    if reader == "read" and "labels" in kwargs and str(kwargs["labels"]).endswith(".xml"):
        kwargs["labels"] = str(Path(path).parent / kwargs["labels"])
    try:
        result = fn(path, **kwargs)
    except LabelwiseError as err:
        msg = str(err)
        named = Path(path).name in msg
        line = getattr(err, "line", None)
        return ("labelwise", type(err).__name__, msg[:500], named, line, len(msg))
    except Exception as err:  # the point: catch everything else
        tb = traceback.format_exc(limit=-4)
        return ("other", type(err).__name__, str(err)[:500], tb[-3000:])
    try:
        return ("ok", digest(result))
    except MemoryError:  # the read succeeded; only the fingerprint did not fit the memory limit
        return ("ok", "too large to fingerprint")


def _worker(conn, parent_end, mem_limit: int) -> None:
    parent_end.close()  # so that the worker sees end-of-file when the parent goes away
    if mem_limit:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(read_one(*job))


class Worker:
    """A child process that reads files; restarted after a hang or a crash."""

    def __init__(self, timeout: float, mem_limit: int) -> None:
        self.timeout = timeout
        self.mem_limit = mem_limit
        self.ctx = mp.get_context("fork")
        self.proc = None

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(
            target=_worker, args=(child, self.conn, self.mem_limit), daemon=True
        )
        self.proc.start()
        child.close()

    def read(self, reader: str, path: str, kwargs: dict) -> tuple:
        if self.proc is None or not self.proc.is_alive():
            self._start()
        self.conn.send((reader, path, kwargs))
        if not self.conn.poll(self.timeout):
            self.proc.kill()
            self.proc.join()
            self.proc = None
            return ("hang",)
        try:
            return self.conn.recv()
        except EOFError:
            self.proc.join()
            code = self.proc.exitcode
            self.proc = None
            return ("crash", code)

    def close(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.conn.send(None)
            self.proc.join(5)
            if self.proc.is_alive():
                self.proc.kill()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Tally:
    inputs: int = 0
    ok: int = 0
    labelwise: int = 0
    other: int = 0
    hangs: int = 0
    crashes: int = 0
    changed: int = 0
    unnamed: int = 0
    long_messages: int = 0
    garbage: int = 0
    failures: list = field(default_factory=list)
    error_kinds: Counter = field(default_factory=Counter)

    @property
    def bad(self) -> int:
        return (
            self.other + self.hangs + self.crashes + self.changed + self.unnamed + self.garbage
            + self.long_messages
        )  # fmt: skip


def fuzz_reader(
    reader: str,
    seeds: list[Seed],
    n: int,
    *,
    seed: int = 0,
    workdir: Path,
    run: Callable[[str, str, dict], tuple],
    start: int = 0,
) -> Tally:
    """Read ``n`` corrupted inputs with ``run`` (in-process :func:`read_one` or a Worker)."""
    tally = Tally()
    clean: dict[tuple, str] = {}
    folder = workdir / reader
    folder.mkdir(parents=True, exist_ok=True)
    index = READERS.index(reader)
    for i in range(start, start + n):
        rng = np.random.default_rng([seed, index, i])
        s = seeds[int(rng.integers(len(seeds)))]
        options = draw_options(s, rng)
        data, filename, chosen = make_input(s, rng)
        case = folder / f"{i}"
        case.mkdir()
        for extra, content in s.extras.items():
            (case / extra).write_bytes(content)
        path = case / filename
        path.write_bytes(data)
        before = {p.name: _sha(p) for p in case.iterdir()}
        kwargs = {**s.kwargs, **options}
        out = run(s.reader, str(path), kwargs)
        after = {p.name: _sha(p) for p in case.iterdir()}
        tally.inputs += 1
        kind = out[0]
        problem = None
        if before != after:
            tally.changed += 1
            problem = "changed"
        if kind == "ok":
            tally.ok += 1
            encodings = [c for c in chosen if c != "crlf"]
            if PRESERVING.issuperset(chosen) and len(encodings) <= 1:
                key = (s.name, repr(sorted(options.items())))
                if key not in clean:
                    clean_path = case / f"clean-{s.filename}"
                    clean_path.write_bytes(s.data)
                    clean[key] = run(s.reader, str(clean_path), kwargs)
                if clean[key] != out:
                    tally.garbage += 1
                    problem = f"garbage: differs from the clean read {clean[key][:2]}"
        elif kind == "labelwise":
            tally.labelwise += 1
            message = re.sub(r"\d+|'[^']*'", "_", out[2].split(": ", 1)[-1])[:80]
            tally.error_kinds[(out[1], out[4] is not None, message)] += 1
            if not out[3]:
                tally.unnamed += 1
                problem = f"error does not name the file: {out[1]}: {out[2]}"
            if out[5] > MAX_MESSAGE:
                tally.long_messages += 1
                problem = f"a message of {out[5]} characters: {out[1]}: {out[2]}"
        elif kind == "other":
            tally.other += 1
            problem = f"{out[1]}: {out[2]}\n{out[3]}"
        elif kind == "hang":
            tally.hangs += 1
            problem = "hang"
        else:
            tally.crashes += 1
            problem = f"worker crashed (exit code {out[1]})"
        if problem:
            tally.failures.append((i, s.name, filename, chosen, options, problem, data))
        for p in case.iterdir():
            p.unlink()
        case.rmdir()
    return tally


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="inputs per reader")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--readers", default=",".join(READERS))
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per read")
    ap.add_argument("--mem-limit-gb", type=float, default=4.0, help="worker address space")
    ap.add_argument("--failures", type=Path, help="save failing inputs here")
    ap.add_argument("--errors", action="store_true", help="list the kinds of errors raised")
    ap.add_argument("--out", type=Path, help="also write the table here (Markdown)")
    args = ap.parse_args(argv)

    seeds = build_seeds()
    worker = Worker(args.timeout, int(args.mem_limit_gb * 2**30))
    rows, total_bad = [], 0
    header = (
        "| reader | seeds | inputs | ok reads | labelwise errors | other exceptions | hangs "
        "| crashes | files changed | errors not naming the file | messages > 1000 chars "
        "| garbage | time (s) |"
    )
    print(header)
    print("|" + "---|" * 13)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for reader in args.readers.split(","):
                t0 = time.perf_counter()
                t = fuzz_reader(reader, seeds[reader], args.n, seed=args.seed, workdir=Path(tmp),
                                run=worker.read)  # fmt: skip
                dt = time.perf_counter() - t0
                row = (f"| {reader} | {len(seeds[reader])} | {t.inputs} | {t.ok} | {t.labelwise} "
                       f"| {t.other} | {t.hangs} | {t.crashes} | {t.changed} | {t.unnamed} "
                       f"| {t.long_messages} | {t.garbage} | {dt:.0f} |")  # fmt: skip
                print(row, flush=True)
                rows.append(row)
                total_bad += t.bad
                for i, name, _, chosen, options, problem, _ in t.failures[:5]:
                    print(f"    #{i} {name} {chosen} {options}: {problem[:1500]}", file=sys.stderr)
                if args.errors:
                    for (cls, has_line, message), count in t.error_kinds.most_common():
                        where = "line" if has_line else "no line"
                        print(f"    {count:6d} {cls} ({where}): {message}", file=sys.stderr)
                if args.failures and t.failures:
                    folder = args.failures / reader
                    folder.mkdir(parents=True, exist_ok=True)
                    for i, name, filename, chosen, options, problem, data in t.failures:
                        (folder / f"{i}-{filename}").write_bytes(data)
                        (folder / f"{i}-{filename}.txt").write_text(
                            f"{name} {chosen} {options}\n{problem}\n"
                        )
    finally:
        worker.close()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        args.out.write_text(
            f"Run {stamp}: `.venv/bin/python benchmarks/fuzz_readers.py --n {args.n} "
            f"--seed {args.seed}`\n\n{header}\n|{'---|' * 13}\n" + "\n".join(rows) + "\n"
        )
    print("failures:", total_bad)
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main())
