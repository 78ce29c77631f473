"""Metrics: plain functions ``metric(preds, targets) -> float`` and a registry ``METRICS``.

``preds`` and ``targets`` may be Tensors, NumPy arrays or lists. Classification metrics take
class scores (logits or probabilities, shape ``(N, C)``) or integer labels (shape ``(N,)``) as
``preds`` and integer class labels as ``targets``; a single score column (``(N,)`` float or
``(N, 1)``) is a binary logit, class 1 where it is above 0. Regression metrics take float
predictions and targets of the same number of elements.

The averages follow scikit-learn's defaults (``precision``, ``recall`` and ``f1`` are macro
averages over the labels present in targets or predictions, 0 where undefined), and the tests
check every metric against scikit-learn.

Example:
    >>> accuracy(ff.tensor([[2.0, 1.0], [0.0, 3.0]]), ff.tensor([0, 0]))
    0.5
    >>> METRICS["mse"](ff.tensor([1.0, 2.0]), ff.tensor([1.0, 4.0]))
    2.0
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.tensor import Tensor

__all__ = [
    "METRICS",
    "Metric",
    "accuracy",
    "confusion_matrix",
    "f1",
    "get_metric",
    "loss",
    "mae",
    "mse",
    "precision",
    "r2",
    "recall",
    "top_k_accuracy",
]

Metric = Callable[[Any, Any], float]


# ------------------------------------------------------------------------------------ inputs


def _array(x: Any, fn: str, name: str) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{fn}: {name} must be a Tensor or array, got {type(x).__name__}") from e


def _int_targets(targets: Any, fn: str) -> np.ndarray:
    y = _array(targets, fn, "targets")
    if y.dtype.kind == "f" and np.array_equal(y, np.round(y)):
        y = y.astype(np.int64)  # 0./1. labels, as binary problems often store them
    if y.dtype.kind not in "iub":
        raise TypeError(f"{fn}: targets must hold integer class labels, got dtype {y.dtype}")
    return y.reshape(-1).astype(np.int64, copy=False)


def _labels(preds: Any, fn: str) -> np.ndarray:
    """Predicted class labels from scores (argmax, or > 0 for one column) or labels."""
    p = _array(preds, fn, "preds")
    if p.dtype.kind in "iub":
        return p.reshape(-1).astype(np.int64, copy=False)
    if p.ndim >= 2 and p.shape[-1] > 1:
        return p.reshape(-1, p.shape[-1]).argmax(axis=1)
    return (p.reshape(-1) > 0).astype(np.int64)


def _pair(preds: Any, targets: Any, fn: str) -> tuple[np.ndarray, np.ndarray]:
    y_pred, y_true = _labels(preds, fn), _int_targets(targets, fn)
    if y_pred.shape != y_true.shape:
        raise RuntimeError(
            f"{fn}: preds give {y_pred.shape[0]} predictions but targets hold "
            f"{y_true.shape[0]} labels (preds shape {tuple(np.shape(_array(preds, fn, 'preds')))})"
        )
    if y_true.size == 0:
        raise ValueError(f"{fn}: got no samples")
    return y_pred, y_true


def _regression_pair(preds: Any, targets: Any, fn: str) -> tuple[np.ndarray, np.ndarray]:
    """Float arrays of the same shape; (N, 1) preds against (N,) targets are matched up."""
    p = _array(preds, fn, "preds").astype(np.float64)
    y = _array(targets, fn, "targets").astype(np.float64)
    if p.size != y.size:
        raise RuntimeError(
            f"{fn}: preds of shape {p.shape} and targets of shape {y.shape} have different "
            "numbers of elements"
        )
    if y.size == 0:
        raise ValueError(f"{fn}: got no samples")
    if p.shape != y.shape:  # (N, 1) vs (N,): compare element by element, never broadcast
        p = p.reshape(y.shape)
    return p, y


# ------------------------------------------------------------------------------ classification


def accuracy(preds: Any, targets: Any) -> float:
    """Fraction of samples whose predicted class equals the target class.

    Shape:
        preds: ``(N, C)`` scores, ``(N,)``/``(N, 1)`` binary logits, or ``(N,)`` int labels.
        targets: ``(N,)`` integer labels.
    """
    y_pred, y_true = _pair(preds, targets, "accuracy")
    return float(np.mean(y_pred == y_true))


def top_k_accuracy(preds: Any, targets: Any, k: int = 5) -> float:
    """Fraction of samples whose target is among the ``k`` highest scores.

    Shape:
        preds: ``(N, C)`` scores. targets: ``(N,)`` integer labels.
    """
    fn = "top_k_accuracy"
    p = _array(preds, fn, "preds")
    y = _int_targets(targets, fn)
    if p.ndim != 2 or p.shape[0] != y.shape[0]:
        raise RuntimeError(
            f"{fn}: expected preds of shape (N, C) with N={y.shape[0]}, got {tuple(p.shape)}"
        )
    if not 1 <= k <= p.shape[1]:
        raise ValueError(f"{fn}: k={k} must be between 1 and the number of classes {p.shape[1]}")
    top = np.argpartition(-p, k - 1, axis=1)[:, :k]
    return float(np.mean((top == y[:, None]).any(axis=1)))


def confusion_matrix(preds: Any, targets: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts ``m[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    Args:
        num_classes: ``C``; by default the number of score columns, or one more than the
            largest label seen.

    Returns:
        an int64 array of shape ``(C, C)``.
    """
    fn = "confusion_matrix"
    y_pred, y_true = _pair(preds, targets, fn)
    if num_classes is None:
        p = _array(preds, fn, "preds")
        columns = p.shape[-1] if p.dtype.kind == "f" and p.ndim >= 2 and p.shape[-1] > 1 else 2
        num_classes = max(columns, int(y_true.max()) + 1, int(y_pred.max()) + 1)
    if min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= num_classes:
        raise IndexError(f"{fn}: labels must lie in [0, {num_classes}), got values outside")
    flat = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes).astype(np.int64)


def _per_class(preds: Any, targets: Any, fn: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(true positives, predicted counts, true counts) for each label present in either."""
    y_pred, y_true = _pair(preds, targets, fn)
    labels = np.union1d(y_true, y_pred)
    y_true, y_pred = np.searchsorted(labels, y_true), np.searchsorted(labels, y_pred)
    n = len(labels)
    tp = np.bincount(y_true[y_true == y_pred], minlength=n).astype(np.float64)
    return tp, np.bincount(y_pred, minlength=n), np.bincount(y_true, minlength=n)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0 (scikit-learn's zero_division behaviour)."""
    return np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den > 0)


def precision(preds: Any, targets: Any) -> float:
    """Macro-averaged precision: the mean over classes of TP / (TP + FP)."""
    tp, predicted, _ = _per_class(preds, targets, "precision")
    return float(_ratio(tp, predicted).mean())


def recall(preds: Any, targets: Any) -> float:
    """Macro-averaged recall: the mean over classes of TP / (TP + FN)."""
    tp, _, actual = _per_class(preds, targets, "recall")
    return float(_ratio(tp, actual).mean())


def f1(preds: Any, targets: Any) -> float:
    """Macro-averaged F1: the mean over classes of 2 TP / (2 TP + FP + FN)."""
    tp, predicted, actual = _per_class(preds, targets, "f1")
    return float(_ratio(2 * tp, predicted + actual).mean())


# ---------------------------------------------------------------------------------- regression


def mse(preds: Any, targets: Any) -> float:
    """Mean squared error over all elements."""
    p, y = _regression_pair(preds, targets, "mse")
    return float(np.mean((p - y) ** 2))


def mae(preds: Any, targets: Any) -> float:
    """Mean absolute error over all elements."""
    p, y = _regression_pair(preds, targets, "mae")
    return float(np.mean(np.abs(p - y)))


def r2(preds: Any, targets: Any) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot, averaged over output columns.

    A constant target column scores 1.0 when predicted exactly and 0.0 otherwise (as in
    scikit-learn).
    """
    p, y = _regression_pair(preds, targets, "r2")
    if y.ndim == 1:
        p, y = p[:, None], y[:, None]
    p, y = p.reshape(y.shape[0], -1), y.reshape(y.shape[0], -1)
    ss_res = ((y - p) ** 2).sum(axis=0)
    ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    scores = np.where(ss_res == 0, 1.0, 0.0)
    varies = ss_tot > 0
    scores[varies] = 1.0 - ss_res[varies] / ss_tot[varies]
    return float(scores.mean())


# ------------------------------------------------------------------------------------- loss


def loss(preds: Any, targets: Any, loss_fn: Callable | None = None) -> float:
    """The loss of ``preds`` against ``targets`` as a float.

    Args:
        loss_fn: called as ``loss_fn(preds, targets)``; by default cross-entropy for integer
            targets and mean squared error for float targets.

    The Learner does not call this for its ``"loss"`` column: it averages the loss of every batch
    (weighted by batch size) as the batches go by.
    """
    from feedforward.nn import functional as F

    p = preds if isinstance(preds, Tensor) else Tensor._make(np.asarray(preds), False, None)
    y = targets if isinstance(targets, Tensor) else Tensor._make(np.asarray(targets), False, None)
    if loss_fn is None:
        loss_fn = F.cross_entropy if y._data.dtype.kind in "iu" else F.mse_loss
    return float(loss_fn(p, y).item())


# ------------------------------------------------------------------------------------ registry

METRICS: dict[str, Metric] = {
    "loss": loss,
    "accuracy": accuracy,
    "top_k_accuracy": top_k_accuracy,
    "precision": precision,
    "recall": recall,
    "f1": f1,
    "mse": mse,
    "mae": mae,
    "r2": r2,
}
# confusion_matrix is not registered: it gives an array, and history columns hold floats.

_TOP_K = re.compile(r"top_(\d+)_accuracy")


def get_metric(metric: str | Metric) -> tuple[str, Metric]:
    """``(name, function)`` for a registered name, ``"top_3_accuracy"``, or a callable.

    Raises:
        KeyError: an unknown name (the message lists the known ones).
    """
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    if metric in METRICS:
        return metric, METRICS[metric]
    match = _TOP_K.fullmatch(str(metric))
    if match:
        k = int(match.group(1))

        def top_k(preds: Any, targets: Any) -> float:
            return top_k_accuracy(preds, targets, k)

        return metric, top_k
    raise KeyError(
        f"unknown metric {metric!r}; known: {', '.join(METRICS)}, top_<k>_accuracy, "
        "or pass a function metric(preds, targets) -> float"
    )
