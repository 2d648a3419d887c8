"""Scale-out on Dask: metrics over partitions, merged; ``predict_proba`` partition by partition.

Training needs nothing from this module: every parallel loop in labelwise (the labels of
``BinaryRelevance``, the members of ``EnsembleClassifierChains`` and ``RAkEL``, the candidates and
folds of ``AutoClassifier``) goes through joblib, so it runs on a cluster inside::

    from dask.distributed import Client
    import joblib

    with Client("tcp://scheduler:8786"), joblib.parallel_backend("dask"):
        model.fit(X, Y)

(``labelwise fit --scheduler tcp://scheduler:8786`` does the same from the command line.)

:func:`on_cluster` is that context with one difference: a worker lost mid-fit (killed, out of
memory, its machine gone), a scheduler that cannot be reached, or one that goes away or restarts
while the block runs, becomes one clear :class:`ClusterError` naming the scheduler's address
instead of whatever Dask's internals raised (``FutureCancelledError``, ``CommClosedError``,
``RuntimeError: ConnectionPool is closed``, ``OSError``, ``TimeoutError``, ...); so do such
failures inside :func:`evaluate` and :func:`predict_proba` when they run on a client's cluster.
When the scheduler goes away, the client waits for it to come back for Dask's connect timeout
(``distributed.comm.timeouts.connect``, 30 s by default) before the failure surfaces.
Dask does not rerun such a fit by itself: joblib scatters the data to one worker, and data
scattered to a lost worker cannot be recomputed, so the fit fails; the estimator is then left
unfitted and nothing is saved (``labelwise.persist.save`` writes a file in one atomic step).

This module also covers what does not fit in memory: :func:`evaluate` folds each partition of a Dask
array or dataframe into a streaming :class:`~labelwise.metrics.Evaluator` state on a worker and
merges the states in a tree, so only one partition per worker and a few small states are ever
held; :func:`predict_proba` maps a model over the partitions of a Dask array. Needs the ``dask``
extra (``pip install "labelwise[dask]"``); importing labelwise does not import Dask.

This module was called ``labelwise.dask`` before; that name still imports the same functions.

Exactness: count metrics (precision, recall, F-scores, Jaccard, Hamming loss, subset accuracy)
are integer counts, so the merged values equal the one-shot functions exactly; ranking metrics
(``lrap``, ``coverage_error``, ``one_error``, ``ndcg@k``, ...) are sums of per-row values added in
another order, equal to about 1e-15 relative. ``average_precision_*`` and ``roc_auc_*`` keep
every score to be exact, so use them on data that fits in memory.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

from labelwise.data._parsing import brief
from labelwise.errors import LabelwiseError, ShapeError

__all__ = ["ClusterError", "evaluate", "on_cluster", "predict_proba"]


class ClusterError(LabelwiseError, RuntimeError):
    """Work sent to a Dask cluster was lost (a worker died or the scheduler went away)."""


_F = TypeVar("_F", bound=Callable[..., Any])
_DEFAULT_METRICS = ("f1_micro", "f1_macro", "hamming_loss", "subset_accuracy")


def _dask_array_module() -> Any:
    try:
        import dask.array as da
    except ImportError as err:
        raise ImportError(
            f'labelwise.scale_out needs Dask: pip install "labelwise[dask]" ({err})'
        ) from None
    return da


def _is_dask_frame(x: Any) -> bool:
    return type(x).__module__.startswith("dask") and hasattr(x, "to_dask_array")


def _as_dask_array(x: Any, name: str, chunk_rows: int | None = None) -> Any:
    """``x`` as a Dask array whose partitions are row blocks holding every column."""
    da = _dask_array_module()
    if _is_dask_frame(x):
        x = x.to_dask_array(lengths=True)
    elif not isinstance(x, da.Array):
        x = np.asarray(x)
        x = da.from_array(x, chunks=(chunk_rows or max(1, x.shape[0]), *x.shape[1:]))
    if x.ndim not in (1, 2):
        raise ShapeError(f"{name} must be 1-D or 2-D; got {x.ndim} dimensions.")
    if any(np.isnan(c) for c in x.chunks[0]):
        x = x.compute_chunk_sizes()
    return x.rechunk({1: -1}) if x.ndim == 2 else x


@contextmanager
def on_cluster(scheduler: Any = None) -> Iterator[Any]:
    """Run joblib-parallel fits inside the block on a Dask cluster.

    Parameters
    ----------
    scheduler : str, dask.distributed.Client or None
        A scheduler address (``"tcp://host:8786"``), a connected client, or None for the
        current client (a new local cluster when there is none).

    Yields
    ------
    dask.distributed.Client

    Raises
    ------
    ClusterError
        The scheduler cannot be reached, or a worker or the scheduler was lost while the block
        ran; the message names the scheduler's address and says what to do. A lost scheduler
        ends the block in this error even when the code inside caught the failure itself (the
        automatic search records a candidate whose folds were lost and carries on), since what
        the block computed may then miss work; an error of the code itself (a bad argument)
        passes through unchanged while the cluster is well.
    ImportError
        Dask is not installed (``pip install "labelwise[dask]"``).

    Examples
    --------
    >>> from labelwise.models import BinaryRelevance
    >>> with on_cluster("tcp://scheduler:8786") as client:  # doctest: +SKIP
    ...     model = BinaryRelevance().fit(X, Y)
    """
    try:
        import joblib
        from distributed import Client, default_client
    except ImportError as err:
        raise ImportError(
            f'running on a Dask cluster needs distributed: pip install "labelwise[dask]" ({err})'
        ) from None
    if isinstance(scheduler, Client):
        client, owned = scheduler, False
    elif scheduler is None:
        try:
            client, owned = default_client(), False
        except ValueError:
            client, owned = Client(), True
    else:
        client, owned = _connect(Client, scheduler), True
    watch = _Watch(client, scheduler if isinstance(scheduler, str) else None)
    log = logging.getLogger("distributed.client")
    log.addFilter(_said_by_cluster_error)
    try:
        with watch, joblib.parallel_backend("dask", client=client):
            yield client
    finally:
        log.removeFilter(_said_by_cluster_error)
        if owned:
            _close(client)


def _said_by_cluster_error(record: logging.LogRecord) -> bool:
    """Drop the client's own log line about a lost scheduler: the ClusterError says it."""
    return not str(record.msg).startswith("Failed to reconnect to scheduler")


def _connect(Client: Any, address: Any) -> Any:
    """A client of the scheduler at ``address``, or a ClusterError saying why there is none."""
    from distributed.comm import resolve_address

    try:
        resolve_address(address)  # the address's form and host, before any client starts
        return Client(address)
    except ValueError as err:  # distributed's message names what is wrong with the address
        raise ClusterError(
            f"{brief(address)} is not a Dask scheduler address ({_reason(err)}); give one like "
            "tcp://host:8786."
        ) from None
    except (OSError, TimeoutError) as err:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({_reason(err)}); check that "
            "`dask scheduler` runs there and that the host and port are right, then rerun."
        ) from None
    except Exception as err:  # the client's own machinery failed (e.g. its event loop)
        raise ClusterError(
            f"could not start a Dask client for the scheduler at {address} ({_reason(err)}); "
            "rerun, and check that the same versions of dask and distributed are installed here "
            "and on the cluster."
        ) from err


def _close(client: Any) -> None:
    """Close a client we opened; one whose scheduler is gone must not raise or hang here."""
    try:
        client.close(timeout=_PROBE_SECONDS)
    except Exception:  # closing a client whose scheduler is gone: nothing left to release
        pass


_PROBE_SECONDS = 5
_WORKER_LOST = ("KilledWorker", "FutureCancelledError", "CommClosedError", "StreamClosedError")


def _reason(err: BaseException) -> str:
    """``err`` for a message: its type and the first line of its text, cut short."""
    text = str(err).strip().split("\n")[0]
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class _Watch:
    """Turns a failure of the cluster while a block runs into one ClusterError.

    A failure is the cluster's when the scheduler went away or restarted (whatever exception
    that caused in the code that ran, from ``FutureCancelledError`` to ``RuntimeError:
    ConnectionPool is closed`` or an ``AttributeError`` inside the client), or when the exception
    is Dask's own report of lost work (a killed worker, a cancelled future, a closed comm).
    Anything else is the code's own error and passes through.
    """

    def __init__(self, client: Any, address: str | None, *, after: str = "fitted or saved") -> None:
        self.client = client
        self.after = after
        self.address = address or _address(client)
        self.scheduler_id = _scheduler_id(client)

    def __enter__(self) -> _Watch:
        return self

    def __exit__(self, kind: Any, err: BaseException | None, tb: Any) -> bool:
        if err is None:
            lost = self._lost()
            if lost:
                raise ClusterError(self._message(lost, None))
            return False
        if isinstance(err, ClusterError) or not isinstance(
            err, (Exception, asyncio.CancelledError)
        ):
            return False  # already ours, or KeyboardInterrupt / SystemExit
        lost = self._lost()
        if lost:
            raise ClusterError(self._message(lost, err)) from err
        if any(c.__name__ in _WORKER_LOST for c in type(err).__mro__) or (
            isinstance(err, (OSError, TimeoutError, RuntimeError, asyncio.CancelledError))
            and _raised_in_dask(tb)
        ):
            raise ClusterError(
                self._message("a worker died (killed, out of memory) or a connection failed", err)
            ) from err
        return False

    def _lost(self) -> str | None:
        """Why the scheduler is no longer the one the block started with, or None."""
        client = self.client
        if client.status != "running" or client.scheduler is None:
            return "the connection to its scheduler was lost"
        if getattr(client, "asynchronous", False):  # cannot be probed from synchronous code
            return None
        try:
            info = client.sync(
                client.scheduler.identity, n_workers=0, callback_timeout=_PROBE_SECONDS
            )
        except Exception:  # an unanswered probe is the answer
            return "its scheduler stopped answering"
        if self.scheduler_id is not None and dict(info).get("id") != self.scheduler_id:
            return "its scheduler restarted while the work ran (the work it held is gone)"
        return None

    def _message(self, why: str, err: BaseException | None) -> str:
        cause = f" ({_reason(err)})" if err is not None else ""
        return (
            f"the Dask cluster at {self.address} lost work in progress: {why}{cause}. Nothing "
            f"was {self.after}; check that the scheduler at {self.address} is running and "
            f"reachable (`dask scheduler`, then `dask worker {self.address}` on each worker) and "
            "that the workers have enough memory, then rerun."
        )


def _address(client: Any) -> str:
    scheduler = getattr(client, "scheduler", None)
    address = getattr(scheduler, "address", None)
    return str(address) if address else "(unknown address)"


def _scheduler_id(client: Any) -> str | None:
    try:
        return client.scheduler_info(n_workers=0).get("id")
    except Exception:  # a client that cannot say: the restart check is skipped
        return None


def _raised_in_dask(tb: Any) -> bool:
    """Whether the innermost frame of a traceback is Dask's client or comm code."""
    module = ""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        tb = tb.tb_next
    return module.startswith(("distributed.", "tornado."))


def _cluster_failures(after: str) -> Callable[[_F], _F]:
    """Run the decorated function under a watch of the current Dask client's cluster, if any."""

    def decorate(func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                from distributed import default_client

                client = default_client()
            except (ImportError, ValueError):  # no distributed, or no client: a local scheduler
                return func(*args, **kwargs)
            with _Watch(client, None, after=after):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _partition_state(spec: dict[str, Any], y_true: Any, y_score: Any) -> Any:
    """One partition's Evaluator (None for an empty partition); runs on a worker."""
    from labelwise.metrics import Evaluator

    if len(y_true) == 0:
        return None
    ev = Evaluator(**spec)
    ev.update(np.asarray(y_true), np.asarray(y_score))
    return ev


def _merge_states(*states: Any) -> Any:
    """Merge partition states into the first non-empty one; runs on a worker."""
    alive = [s for s in states if s is not None]
    if not alive:
        return None
    head = alive[0]
    for other in alive[1:]:
        head.merge(other)
    return head


@_cluster_failures(after="evaluated")
def evaluate(
    y_true: Any,
    y_score: Any,
    metrics: Iterable[str] = _DEFAULT_METRICS,
    *,
    rule: Any = None,
    label_space: Any = None,
    zero_division: Any = "warn",
    split_every: int = 8,
) -> dict[str, Any]:
    """Metrics over data in partitions: a state per partition on the workers, merged in a tree.

    Parameters
    ----------
    y_true : dask Array or DataFrame, or array-like of shape (n_samples, n_labels)
        True labels (0/1 matrix, or 1-D classes).
    y_score : dask Array or DataFrame, or array-like
        Scores (when any metric needs scores, or ``rule`` is given) or predicted labels, with the
        same rows as ``y_true``. Partitions of ``y_true`` are re-cut to match those of
        ``y_score``.
    metrics : iterable of str
        Streaming metric names, as for :class:`~labelwise.metrics.Evaluator`.
    rule : DecisionRule, optional
        Turns scores into label sets for the count metrics (see ``Evaluator``).
    label_space : LabelSpace, optional
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
    split_every : int, default=8
        How many states one merge task combines.

    Returns
    -------
    dict of str to value
        Each metric's value, as ``Evaluator.compute`` gives it. Computed with the active Dask
        scheduler (a ``dask.distributed.Client`` when one is open).

    Raises
    ------
    ShapeError
        ``y_true`` and ``y_score`` have different numbers of rows.
    ValueError
        An unknown metric name (checked before any work is sent out).
    ClusterError
        The current client's scheduler or a worker was lost while the metrics were computed.
    ImportError
        Dask is not installed (``pip install "labelwise[dask]"``).

    Examples
    --------
    >>> import dask.array as da
    >>> from labelwise.metrics import f1_score
    >>> Y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]] * 25)
    >>> S = np.tile([0.9, 0.2, 0.6, 0.4, 0.7, 0.1], 50).reshape(100, 3)
    >>> res = evaluate(da.from_array(Y, chunks=(30, 3)), da.from_array(S, chunks=(30, 3)),
    ...                metrics=["f1_micro", "lrap"])
    >>> res["f1_micro"] == f1_score(Y, S >= 0.5, average="micro")
    True
    """
    from dask import delayed

    from labelwise.metrics import Evaluator

    spec = dict(
        metrics=list(metrics), rule=rule, label_space=label_space, zero_division=zero_division
    )
    Evaluator(**spec)  # unknown metric names fail here, before any work is sent
    y_score = _as_dask_array(y_score, "y_score")
    y_true = _as_dask_array(y_true, "y_true", chunk_rows=int(max(y_score.chunks[0], default=1)))
    if y_true.shape[0] != y_score.shape[0]:
        raise ShapeError(
            f"y_true has {y_true.shape[0]} rows but y_score has {y_score.shape[0]}; give the "
            "labels and scores of the same examples."
        )
    y_true = y_true.rechunk({0: y_score.chunks[0]})
    yt, ys = y_true.to_delayed().ravel(), y_score.to_delayed().ravel()
    if split_every < 2:
        raise ValueError(f"split_every must be at least 2; got {split_every!r}.")
    part = delayed(_partition_state, pure=True)
    states = [part(spec, t, s) for t, s in zip(yt, ys, strict=True)]
    merge = delayed(_merge_states, pure=True)
    while len(states) > 1:
        states = [merge(*states[i : i + split_every]) for i in range(0, len(states), split_every)]
    final = states[0].compute() if states else None
    if final is None:
        raise ShapeError("y_true and y_score have no rows; nothing to evaluate.")
    return final.compute()


def _proba_block(block: np.ndarray, model: Any) -> np.ndarray:
    if block.shape[0] == 0:
        return np.zeros((0, _n_outputs(model) or 0))
    return np.asarray(model.predict_proba(block), dtype=np.float64)


def _proba_texts(part: Any, model: Any) -> np.ndarray:
    return np.asarray(model.predict_proba([str(t) for t in part]), dtype=np.float64)


def _n_outputs(model: Any) -> int | None:
    classes = getattr(model, "classes_", None)
    if classes is not None and np.ndim(classes) == 1:
        return len(classes)
    return None


@_cluster_failures(after="scored")
def predict_proba(model: Any, X: Any, *, n_labels: int | None = None) -> Any:
    """A fitted model's ``predict_proba`` over a Dask collection, partition by partition.

    Parameters
    ----------
    model : fitted estimator
        Anything with ``predict_proba`` returning (n, n_labels) scores.
    X : dask Array or DataFrame of features, or dask Series of texts
        Rows partitioned any way; a feature array's columns are joined into one block per
        partition.
    n_labels : int, optional
        The number of score columns; read off the model's ``classes_`` when not given (else one
        partition's first row is scored to find it).

    Returns
    -------
    dask.array.Array of shape (n_samples, n_labels)
        Lazy; the row partitions follow ``X``'s. ``.compute()`` it, or pass it to
        :func:`evaluate`.

    Raises
    ------
    ShapeError
        ``X`` has another number of features than the model was trained on.
    ClusterError
        The current client's scheduler or a worker was lost while the partition sizes (or the
        number of labels) were computed; the scores themselves are computed later, lazily.

    Examples
    --------
    >>> import dask.array as da
    >>> from labelwise.models import BinaryRelevance
    >>> X = np.array([[0.0, 1], [1, 0], [1, 1], [0, 0]] * 5)
    >>> Y = np.array([[0, 1], [1, 0], [1, 1], [0, 0]] * 5)
    >>> model = BinaryRelevance().fit(X, Y)
    >>> S = predict_proba(model, da.from_array(X, chunks=(7, 2)))
    >>> S.shape, bool(np.array_equal(S.compute(), model.predict_proba(X)))
    ((20, 2), True)
    """
    da = _dask_array_module()
    if _is_dask_frame(X) and getattr(X, "ndim", 2) == 1:  # a Series of texts
        return _predict_texts(model, X, n_labels)
    X = _as_dask_array(X, "X")
    if X.ndim != 2:
        raise ShapeError(f"X must be 2-D (rows of features); got shape {X.shape}.")
    expected = getattr(model, "n_features_in_", None)
    if expected is not None and X.shape[1] != expected:
        raise ShapeError(
            f"the model was trained on {expected} features but X has {X.shape[1]}; give the "
            "same feature columns, in the same order, as in training."
        )
    L = n_labels or _n_outputs(model)
    if L is None:
        L = np.asarray(model.predict_proba(X[:1].compute())).shape[1]
    return da.map_blocks(
        _proba_block,
        X,
        model=model,
        dtype=np.float64,
        chunks=(X.chunks[0], (int(L),)),
        name=f"labelwise-predict-proba-{uuid.uuid4().hex}",
    )


def _predict_texts(model: Any, texts: Any, n_labels: int | None) -> Any:
    da = _dask_array_module()
    from dask import delayed

    L = n_labels or _n_outputs(model)
    if L is None:
        L = np.asarray(model.predict_proba([str(texts.head(1).iloc[0])])).shape[1]
    lengths: Sequence[int] = texts.map_partitions(len).compute()
    score = delayed(_proba_texts, pure=True)
    blocks = [
        da.from_delayed(score(part, model), shape=(int(n), int(L)), dtype=np.float64)
        for part, n in zip(texts.to_delayed(), lengths, strict=True)
    ]
    return da.concatenate(blocks, axis=0)
