"""Regenerate ``src/labelwise/datasets/_data/`` from the shared benchmark data.

Usage::

    python scripts/make_bundled_datasets.py [--shared ../shared/datasets]

What it writes (all compressed, a few MB in total):

* ``emotions``, ``yeast``, ``scene``: the Mulan train/test ARFF files, gzip'd byte for byte
  (``NAME-train.arff.gz``, ``NAME-test.arff.gz``) plus the XML label file ``NAME.xml``.
* ``reuters``: the 3,019 ModApte test documents of Reuters-21578 (the only part available), split
  deterministically into train and test by hashing each document id:
  ``int(sha256(id)[:8], 16) % 10 < 7`` -> train (about 70 %), else test. The rule depends on the id
  alone, so it does not change with file order. Written as ``reuters-train.jsonl.gz`` and
  ``reuters-test.jsonl.gz`` (one ``{"id", "text", "labels"}`` object per line) and
  ``reuters-labels.txt`` (the 90 topics, sorted, one per line: the label space of both splits).
* ``index.json``: examples, features and labels of each dataset, for ``list_datasets()``.

The gzip files are written with ``mtime=0`` so that rerunning gives identical bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "labelwise" / "datasets" / "_data"
MULAN = ("emotions", "yeast", "scene")


def reuters_split(doc_id: str) -> str:
    """'train' or 'test' for a Reuters document id (about 70 % train)."""
    return "train" if int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) % 10 < 7 else "test"


def _gzip(data: bytes, path: Path) -> None:
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "datasets")
    args = parser.parse_args()
    from labelwise.data.arff import read_arff

    OUT.mkdir(parents=True, exist_ok=True)
    index = {}
    for name in MULAN:
        counts = {}
        for split in ("train", "test"):
            src = args.shared / "mulan" / f"{name}-{split}.arff"
            _gzip(src.read_bytes(), OUT / f"{name}-{split}.arff.gz")
            ds = read_arff(src, args.shared / "mulan" / f"{name}.xml")
            counts[split] = ds.n_samples
        shutil.copyfile(args.shared / "mulan" / f"{name}.xml", OUT / f"{name}.xml")
        index[name] = {
            "train": counts["train"], "test": counts["test"], "features": ds.n_features,
            "labels": ds.n_labels, "kind": "dense features",
            "source": "Mulan benchmark collection (standard train/test split)",
        }  # fmt: skip
    docs = json.loads((args.shared / "text" / "reuters21578_modapte_test.json").read_bytes())
    topics = sorted({t for d in docs for t in d["labels"]})
    parts: dict[str, list[str]] = {"train": [], "test": []}
    for d in docs:
        rec = {"id": d["id"], "text": d["text"], "labels": d["labels"]}
        parts[reuters_split(d["id"])].append(json.dumps(rec, ensure_ascii=False))
    for split, lines in parts.items():
        _gzip(("\n".join(lines) + "\n").encode("utf-8"), OUT / f"reuters-{split}.jsonl.gz")
    (OUT / "reuters-labels.txt").write_text("\n".join(topics) + "\n", encoding="utf-8")
    index["reuters"] = {
        "train": len(parts["train"]), "test": len(parts["test"]), "features": 0,
        "labels": len(topics), "kind": "raw text",
        "source": "Reuters-21578 ModApte test documents, split by a hash of the id",
    }  # fmt: skip
    (OUT / "index.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    for p in sorted(OUT.iterdir()):
        print(f"{p.stat().st_size:>10,d}  {p.name}")


if __name__ == "__main__":
    main()
