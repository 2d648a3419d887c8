"""Old name of :mod:`labelwise.scale_out` (it shared its name with the library it wraps); code
written as ``import labelwise.dask`` keeps working."""

from labelwise.scale_out import ClusterError, evaluate, on_cluster, predict_proba

__all__ = ["ClusterError", "evaluate", "on_cluster", "predict_proba"]
