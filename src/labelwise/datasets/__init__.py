"""Bundled datasets, loadable with no file at hand.

=========  =====================================  =====  ====  ========  ======
name       what                                   train  test  features  labels
=========  =====================================  =====  ====  ========  ======
emotions   music, audio features (Trohidis 2008)    391   202        72       6
yeast      gene functions (Elisseeff 2001)         1500   917       103      14
scene      images, colour features (Boutell 2004)  1211  1196       294       6
reuters    Reuters-21578 news texts, 90 topics     2104   915  raw text      90
=========  =====================================  =====  ====  ========  ======

emotions, yeast and scene are the standard Mulan train/test splits, stored as gzip'd ARFF files
and read with :func:`labelwise.data.arff.read_arff`.

reuters holds the 3,019 documents of the ModApte *test* part of Reuters-21578 (the only part the
project has), split deterministically by document id: a document is in ``train`` when
``int(sha256(id)[:8], 16) % 10 < 7`` (about 70 %), else in ``test``. Both splits share the label
space of all 90 topics, sorted. ``X`` is ``None``; the documents are in ``Dataset.texts``.
``scripts/make_bundled_datasets.py`` regenerates the files from the shared data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from labelwise.data.arff import read_arff
from labelwise.data.dataset import Dataset
from labelwise.data.tables import read_table
from labelwise.errors import UnknownDatasetError

__all__ = ["DatasetInfo", "list_datasets", "load"]

SPLITS = ("train", "test", "all")


@dataclass(frozen=True)
class DatasetInfo:
    """What ``list_datasets`` says about one bundled dataset."""

    name: str
    n_train: int
    n_test: int
    n_features: int
    n_labels: int
    kind: str
    size_bytes: int
    source: str


def _data_dir() -> Path:
    return Path(str(resources.files("labelwise.datasets") / "_data"))


def _index() -> dict[str, dict]:
    return json.loads((_data_dir() / "index.json").read_text(encoding="utf-8"))


def list_datasets() -> list[DatasetInfo]:
    """The bundled datasets with their sizes (``size_bytes`` is the compressed size on disk).

    Examples
    --------
    >>> [d.name for d in list_datasets()]
    ['emotions', 'yeast', 'scene', 'reuters']
    >>> info = list_datasets()[0]
    >>> info.n_train, info.n_test, info.n_features, info.n_labels
    (391, 202, 72, 6)
    """
    out = []
    folder = _data_dir()
    for name, meta in _index().items():
        size = sum(p.stat().st_size for p in folder.glob(f"{name}[-.]*"))
        out.append(
            DatasetInfo(
                name=name,
                n_train=meta["train"],
                n_test=meta["test"],
                n_features=meta["features"],
                n_labels=meta["labels"],
                kind=meta["kind"],
                size_bytes=size,
                source=meta["source"],
            )
        )
    return out


def bundled_source(source: str) -> tuple[str, str | None] | None:
    """``(name, split)`` when ``source`` names a bundled dataset, as ``NAME`` or ``NAME:SPLIT``.

    The one reading of a data argument of the command line: an existing file always wins, and
    anything else that does not start with a bundled dataset's name is None (a path to read).
    The split is None when not given; :func:`load` checks it.

    Examples
    --------
    >>> bundled_source("emotions:test"), bundled_source("yeast"), bundled_source("a.csv")
    (('emotions', 'test'), ('yeast', None), None)
    """
    if Path(source).exists():
        return None
    name, _, split = str(source).partition(":")
    if name not in _index():
        return None
    return name, split or None


def load(name: str, split: str = "train") -> Dataset:
    """Load a bundled dataset.

    Parameters
    ----------
    name : {"emotions", "yeast", "scene", "reuters"}
    split : {"train", "test", "all"}, default="train"
        ``"all"`` is train followed by test.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For an unknown name or split (the message lists the valid ones).

    Examples
    --------
    >>> ds = load("emotions", split="test")
    >>> ds
    Dataset('emotions', 202 examples, 72 dense features, 6 labels)
    >>> load("reuters").texts[0][:30]
    'ASIAN EXPORTERS FEAR DAMAGE FR'
    """
    index = _index()
    if name not in index:
        raise UnknownDatasetError(
            f"unknown dataset {name!r}; the bundled datasets are {', '.join(index)}. "
            "To read your own file use labelwise.read(path)."
        )
    if split not in SPLITS:
        raise UnknownDatasetError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}.")
    if split == "all":
        return _concat(load(name, "train"), load(name, "test"))
    folder = _data_dir()
    if name == "reuters":
        topics = (folder / "reuters-labels.txt").read_text(encoding="utf-8").split()
        ds = read_table(
            folder / f"reuters-{split}.jsonl.gz", labels="labels", text="text", label_names=topics
        )
        ds = replace(ds, X=None, feature_names=None)
    else:
        ds = read_arff(folder / f"{name}-{split}.arff.gz", folder / f"{name}.xml")
    return replace(ds, name=name)


def _concat(a: Dataset, b: Dataset) -> Dataset:
    def stack(u, v):
        if u is None:
            return None
        return sp.vstack([u, v], format="csr") if sp.issparse(u) else np.vstack([u, v])

    texts = None if a.texts is None else [*a.texts, *b.texts]
    return replace(a, X=stack(a.X, b.X), Y=stack(a.Y, b.Y), texts=texts)
