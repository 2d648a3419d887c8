"""Data: the Dataset type, label spaces, hierarchies, target normalisation, readers and writers."""

from labelwise.data.dataset import Dataset
from labelwise.data.hierarchy import Hierarchy
from labelwise.data.io import read, write
from labelwise.data.label_space import LabelSpace
from labelwise.data.libsvm import iter_libsvm_chunks
from labelwise.data.targets import Targets, check_scores, check_targets

__all__ = [
    "Dataset",
    "Hierarchy",
    "LabelSpace",
    "Targets",
    "check_scores",
    "check_targets",
    "iter_libsvm_chunks",
    "read",
    "write",
]
