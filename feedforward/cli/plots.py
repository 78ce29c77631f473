"""The run's plots: loss and metric curves, the confusion matrix. matplotlib is optional
(``pip install 'feedforward[plot]'``) and imported only when a plot is drawn, with the file-only
Agg backend so that no display is needed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "PlotUnavailable",
    "pyplot",
    "plot_loss",
    "plot_metrics",
    "plot_confusion_matrix",
    "confusion_counts",
]


class PlotUnavailable(ImportError):
    """matplotlib is not installed."""


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend.

    Raises:
        PlotUnavailable: matplotlib is missing; the message names the extra to install.
    """
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailable("plots need matplotlib: pip install 'feedforward[plot]'") from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    pyplot().close(fig)


def _series(history: Sequence[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    points = [(r["epoch"], r[key]) for r in history if r.get(key) is not None]
    return [p[0] for p in points], [p[1] for p in points]


def plot_loss(history: Sequence[dict[str, Any]], path: Path) -> None:
    """Training and validation loss per epoch."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in (("train_loss", "train"), ("valid_loss", "valid")):
        epochs, values = _series(history, key)
        if values:
            ax.plot(epochs, values, marker="o", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("loss")
    ax.grid(True, alpha=0.3)
    ax.legend()
    _save(fig, path)


def plot_metrics(history: Sequence[dict[str, Any]], metrics: Sequence[str], path: Path) -> None:
    """One panel per metric (besides the loss), train and valid curves in each."""
    plt = pyplot()
    names = [m for m in metrics if m != "loss"] or ["loss"]
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 4), squeeze=False)
    for ax, name in zip(axes[0], names):
        for split in ("train", "valid"):
            epochs, values = _series(history, f"{split}_{name}")
            if values:
                ax.plot(epochs, values, marker="o", label=split)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(True, alpha=0.3)
        ax.legend()
    _save(fig, path)


def confusion_counts(predicted: np.ndarray, actual: np.ndarray, num_classes: int) -> np.ndarray:
    """``counts[i, j]``: how many examples of class ``i`` were predicted as class ``j``."""
    flat = actual.astype(np.int64) * num_classes + predicted.astype(np.int64)
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def plot_confusion_matrix(counts: np.ndarray, classes: Sequence[Any], path: Path) -> None:
    """The confusion matrix as a heat map, with the counts written in the cells."""
    plt = pyplot()
    n = len(classes)
    size = min(12.0, 3.0 + 0.6 * n)
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    labels = [str(c) for c in classes]
    ax.set_xticks(range(n), labels, rotation=45 if max(map(len, labels)) > 2 else 0, ha="right")
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title(f"confusion matrix ({int(counts.sum())} test examples)")
    if n <= 30:
        threshold = counts.max() / 2 if counts.size else 0
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    str(int(counts[i, j])),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if counts[i, j] > threshold else "black",
                )
    _save(fig, path)
