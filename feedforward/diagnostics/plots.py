"""Figures of the diagnostics statistics (needs matplotlib: ``pip install feedforward[plot]``).

Each function takes a collector from :mod:`feedforward.diagnostics.stats`, returns a matplotlib
``Figure`` and, given ``path``, saves it there. Figures are made without pyplot (no global
state, no display needed). :func:`save_all` writes every figure of a
:class:`~feedforward.diagnostics.stats.DiagnosticsCallback` into a folder.

Example:
    >>> diag = DiagnosticsCallback(every=10)                   # doctest: +SKIP
    >>> Learner(model, data, callbacks=[diag]).fit(3)          # doctest: +SKIP
    >>> plot_colorful_dimension(diag.activations, "cd.png")    # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from feedforward.diagnostics.stats import ActivationStats, GradientStats, UpdateRatio

__all__ = [
    "plot_activation_histograms",
    "plot_saturation",
    "plot_gradient_histograms",
    "plot_update_ratios",
    "plot_colorful_dimension",
    "save_all",
    "FIGURES",
]

# the files save_all writes, in order
FIGURES = (
    "activation_histograms.png",
    "colorful_dimension.png",
    "saturation.png",
    "gradient_histograms.png",
    "update_ratios.png",
)

PathLike = str | os.PathLike


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(
            "feedforward.diagnostics.plots needs matplotlib: pip install feedforward[plot]"
        ) from e
    return Figure


def _panels(n: int, title: str, *, cols: int = 4, size=(3.4, 2.6)):
    """A figure with exactly ``n`` axes on a grid of up to ``cols`` columns."""
    figure = _figure_class()
    cols = max(1, min(cols, n))
    rows = max(1, math.ceil(n / cols))
    fig = figure(figsize=(size[0] * cols, size[1] * rows + 0.5), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(max(n, 1))]
    fig.suptitle(title)
    return fig, axes


def _finish(fig, path: PathLike | None):
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
    return fig


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def _recorded(stats: ActivationStats) -> list:
    return [r for r in stats if r.hist and r.edges is not None]


def plot_activation_histograms(stats: ActivationStats, path: PathLike | None = None, *,
                               record: int = -1):  # fmt: skip
    """One panel per layer: the histogram of its outputs at one record (default the last).

    The title gives the layer, its kind, the output mean / std and, where they apply, the
    saturated and dead fractions.
    """
    layers = _recorded(stats)
    fig, axes = _panels(len(layers), "Activation histograms per layer")
    if not layers:
        _empty(axes[0], "no activations recorded")
    for ax, r in zip(axes, layers):
        counts = r.hist[record]
        centres = (r.edges[:-1] + r.edges[1:]) / 2
        density = counts / max(counts.sum(), 1)
        ax.fill_between(centres, density, step="mid", alpha=0.35)
        ax.step(centres, density, where="mid", linewidth=1)
        extra = ""
        if r.saturated:
            extra = f", sat {r.saturated[record]:.0%}"
        if r.dead:
            extra = f", dead {r.dead[record]:.0%}"
        ax.set_title(f"{r.name} ({r.kind})\nmean {r.mean[record]:+.2f}, std {r.std[record]:.2f}"
                     f"{extra}", fontsize=9)  # fmt: skip
        ax.set_xlabel("activation", fontsize=8)
        ax.tick_params(labelsize=7)
    return _finish(fig, path)


def plot_colorful_dimension(stats: ActivationStats, path: PathLike | None = None):
    """One image per layer: the histogram of its outputs (vertical) over time (horizontal).

    The colour is log(1 + count), fastai's "colorful dimension": a healthy layer shows a broad
    band that stays put; collapse to zero, saturation at the bounds, or a band that drifts are
    visible at a glance.
    """
    layers = _recorded(stats)
    fig, axes = _panels(len(layers), "Activation histograms over time (colorful dimension)")
    if not layers:
        _empty(axes[0], "no activations recorded")
    for ax, r in zip(axes, layers):
        image = np.log1p(r.histogram_image().astype(np.float64))
        first, last = r.steps[0], r.steps[-1] if len(r.steps) > 1 else r.steps[0] + 1
        ax.imshow(image, origin="lower", aspect="auto", cmap="viridis", interpolation="nearest",
                  extent=(first, last, r.edges[0], r.edges[-1]))  # fmt: skip
        ax.set_title(f"{r.name} ({r.kind})", fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
    return _finish(fig, path)


def plot_saturation(stats: ActivationStats, path: PathLike | None = None):
    """Two panels: saturated fraction of tanh/sigmoid layers, dead fraction of ReLU layers,
    both over time."""
    fig, axes = _panels(2, "Saturation and dead units over time", cols=2, size=(5, 3.2))
    for ax, attr, label in ((axes[0], "saturated", "saturated fraction (tanh / sigmoid)"),
                            (axes[1], "dead", "dead fraction (ReLU family)")):  # fmt: skip
        lines = [r for r in stats if getattr(r, attr)]
        for r in lines:
            ax.plot(r.steps, getattr(r, attr), label=r.name, linewidth=1.2)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("step", fontsize=8)
        ax.set_ylim(-0.02, 1.02)
        if lines:
            ax.legend(fontsize=7)
        else:
            ax.text(0.5, 0.5, "no such layers", ha="center", va="center", transform=ax.transAxes)
    return _finish(fig, path)


def plot_gradient_histograms(grads: GradientStats, path: PathLike | None = None, *,
                             record: int = -1):  # fmt: skip
    """One panel per layer with parameters: the histogram of its gradients at one record."""
    layers = [r for r in grads.layers.values() if r.hist]
    fig, axes = _panels(len(layers), "Gradient histograms per layer")
    if not layers:
        _empty(axes[0], "no gradients recorded")
    for ax, r in zip(axes, layers):
        counts, edges = r.hist[record], r.hist_edges[record]
        centres = (edges[:-1] + edges[1:]) / 2
        density = counts / max(counts.sum(), 1)
        ax.fill_between(centres, density, step="mid", alpha=0.35, color="tab:orange")
        ax.step(centres, density, where="mid", linewidth=1, color="tab:orange")
        ax.set_title(f"{r.name}\nstd {r.std[record]:.2e}, norm {r.norm[record]:.2e}",
                     fontsize=9)  # fmt: skip
        ax.set_xlabel("gradient", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
    return _finish(fig, path)


def plot_update_ratios(updates: UpdateRatio, path: PathLike | None = None, *,
                       guide: float = -3.0, weights_only: bool = True):  # fmt: skip
    """One panel: log10 update-to-data ratio per parameter over time, with the -3 guide.

    Args:
        guide: where the dashed guide line goes (Karpathy's rule of thumb).
        weights_only: plot weight matrices only (biases and norm scales start constant, so
            their ratio says little).
    """
    names = [
        n
        for n, r in updates.ratios.items()
        if r and (not weights_only or updates.ndims.get(n, 2) >= 2)
    ]
    fig, axes = _panels(1, "Update-to-data ratio", cols=1, size=(7, 3.6))
    ax = axes[0]
    for n in names:
        values = np.array(updates.ratios[n], dtype=np.float64)
        values[~np.isfinite(values)] = np.nan
        ax.plot(updates.steps[: len(values)], values, label=n, linewidth=1.2)
    ax.axhline(guide, color="black", linestyle="--", linewidth=1, label=f"guide ({guide:g})")
    ax.set_xlabel("step")
    ax.set_ylabel("log10(std(lr * update) / std(param))")
    ax.legend(fontsize=7, loc="best")
    return _finish(fig, path)


def save_all(diagnostics: Any, folder: PathLike) -> list[Path]:
    """Write every figure the statistics allow into ``folder``; returns the paths written.

    ``diagnostics`` is a :class:`~feedforward.diagnostics.stats.DiagnosticsCallback` (or any
    object with ``activations`` / ``gradients`` / ``updates`` attributes, each may be None).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    acts = getattr(diagnostics, "activations", None)
    grads = getattr(diagnostics, "gradients", None)
    updates = getattr(diagnostics, "updates", None)
    jobs = []
    if acts is not None and _recorded(acts):
        jobs += [(plot_activation_histograms, acts, FIGURES[0]),
                 (plot_colorful_dimension, acts, FIGURES[1]),
                 (plot_saturation, acts, FIGURES[2])]  # fmt: skip
    if grads is not None and grads.layers:
        jobs.append((plot_gradient_histograms, grads, FIGURES[3]))
    if updates is not None and updates.steps:
        jobs.append((plot_update_ratios, updates, FIGURES[4]))
    written = []
    for plot, stats, name in jobs:
        path = folder / name
        plot(stats, path)
        written.append(path)
    return written
