"""The learning-rate finder (Smith 2015, as popularised by fastai): sweep the lr, watch the loss.

Training runs for up to ``num_it`` batches while the learning rate grows exponentially from
``start_lr`` to ``end_lr``; the loss is smoothed (an exponential moving average with bias
correction) and the sweep stops early once the smoothed loss exceeds ``diverge`` times its
minimum or stops being finite. The model, optimizer and random generators are then put back
exactly as they were, from an in-memory snapshot.

Three suggestions are read off the smoothed curve:

* ``steepest``: where the loss falls fastest (most negative slope against log lr);
* ``valley``: fastai's valley: the longest stretch over which the loss keeps falling, 2/3 of
  the way down it (usually a safe choice: this is ``suggested``);
* ``minimum/10``: a tenth of the lr at the lowest loss.

Example:
    >>> result = learn.lr_find()
    >>> result.suggested, result.agreement
    (0.0021, 'the suggestions agree within 0.6 decades (steepest 0.0035, valley 0.0021, ...)')
    >>> result.plot("lr_find.png")
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field

import numpy as np

from feedforward.random import default_generator
from feedforward.train.callback import Callback, CancelFitException, CancelValidException

__all__ = ["LRFindResult", "LRFinder", "lr_find"]


class LRFinder(Callback):
    """Run the sweep: set each batch's lr, record the loss, stop on divergence or after num_it.

    Use it through :meth:`Learner.lr_find`, which also restores the training state afterwards.
    """

    order = 0

    def __init__(
        self,
        start_lr: float = 1e-7,
        end_lr: float = 10.0,
        num_it: int = 100,
        smooth: float = 0.98,
        diverge: float = 4.0,
    ) -> None:
        if not 0 < start_lr < end_lr:
            raise ValueError(
                f"lr_find: need 0 < start_lr < end_lr, got start_lr={start_lr}, end_lr={end_lr}"
            )
        if num_it < 2:
            raise ValueError(f"lr_find: num_it must be at least 2, got {num_it}")
        if not 0 <= smooth < 1:
            raise ValueError(f"lr_find: smooth must be in [0, 1), got {smooth}")
        if diverge <= 1:
            raise ValueError(f"lr_find: diverge must be > 1, got {diverge}")
        self.start_lr, self.end_lr, self.num_it = start_lr, end_lr, num_it
        self.smooth, self.diverge = smooth, diverge
        self.lrs: list[float] = []
        self.raw_losses: list[float] = []
        self.losses: list[float] = []  # smoothed
        self.diverged = False
        self._avg, self._best = 0.0, math.inf

    def lr_at(self, i: int) -> float:
        """The i-th lr of the sweep: start_lr * (end_lr / start_lr) ** (i / (num_it - 1))."""
        return self.start_lr * (self.end_lr / self.start_lr) ** (i / (self.num_it - 1))

    def before_fit(self, learn) -> None:
        self.lrs, self.raw_losses, self.losses = [], [], []
        self.diverged = False
        self._avg, self._best = 0.0, math.inf

    def before_batch(self, learn) -> None:
        if learn.training:
            self._lr = self.lr_at(len(self.lrs))
            for group in learn.opt.param_groups:
                group["lr"] = self._lr

    def after_batch(self, learn) -> None:
        if not learn.training:
            return
        loss = learn.loss.item()
        self._avg = self.smooth * self._avg + (1 - self.smooth) * loss
        smoothed = self._avg / (1 - self.smooth ** (len(self.losses) + 1))  # bias correction
        self.lrs.append(self._lr)
        self.raw_losses.append(loss)
        self.losses.append(smoothed)
        self._best = min(self._best, smoothed)
        if not math.isfinite(smoothed) or smoothed > self.diverge * self._best:
            self.diverged = True
            raise CancelFitException("lr_find: the loss diverged")
        if len(self.losses) >= self.num_it:
            raise CancelFitException("lr_find: sweep complete")

    def before_validate(self, learn) -> None:
        raise CancelValidException

    def result(self) -> LRFindResult:
        return LRFindResult.from_curve(self.lrs, self.losses, self.raw_losses, self.diverged)


@dataclass
class LRFindResult:
    """The curve of an lr sweep and the learning rates suggested from it.

    Attributes:
        lrs: the learning rate of each batch.
        losses: the smoothed loss after each batch.
        raw_losses: the loss of each batch.
        suggestions: ``{"steepest": lr, "valley": lr, "minimum/10": lr}`` (those the curve
            allows: a very short sweep may give fewer).
        suggested: the lr to use (the valley suggestion).
        spread_decades: log10(max / min) of the suggestions: 0 when they coincide.
        agreement: a sentence saying how well the suggestions agree.
        diverged: the sweep stopped because the loss blew up (rather than after num_it).
    """

    lrs: np.ndarray
    losses: np.ndarray
    raw_losses: np.ndarray
    suggestions: dict[str, float] = field(default_factory=dict)
    suggested: float = math.nan
    spread_decades: float = math.nan
    agreement: str = ""
    diverged: bool = False

    @classmethod
    def from_curve(cls, lrs, losses, raw_losses, diverged: bool = False) -> LRFindResult:
        lrs, losses = np.asarray(lrs, np.float64), np.asarray(losses, np.float64)
        result = cls(lrs, losses, np.asarray(raw_losses, np.float64), diverged=diverged)
        result.suggestions = suggest(lrs, losses)
        if not result.suggestions:
            result.agreement = f"no suggestion: the sweep ran only {len(lrs)} batches"
            return result
        result.suggested = result.suggestions.get("valley", next(iter(result.suggestions.values())))
        values = list(result.suggestions.values())
        result.spread_decades = float(np.log10(max(values) / min(values)))
        result.agreement = _agreement(result.suggestions, result.spread_decades)
        return result

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.3g}" for k, v in self.suggestions.items())
        return (
            f"LRFindResult(suggested={self.suggested:.3g}, {shown}, "
            f"spread_decades={self.spread_decades:.2f}, points={len(self.lrs)})"
        )

    def plot(self, path: str | os.PathLike, skip_end: int = 5) -> None:
        """Save the smoothed loss against the lr (log scale), suggestions marked, as a PNG.

        Args:
            skip_end: leave out the last points, where the loss shoots up.

        Raises:
            ImportError: matplotlib is missing (``pip install 'feedforward[plot]'``).
        """
        try:
            from matplotlib.figure import Figure
        except ImportError as e:
            raise ImportError(
                "LRFindResult.plot needs matplotlib: pip install 'feedforward[plot]'"
            ) from e
        end = max(len(self.lrs) - skip_end, min(len(self.lrs), 2))
        fig = Figure(figsize=(6, 4), dpi=100)
        ax = fig.add_subplot()
        ax.plot(self.lrs[:end], self.raw_losses[:end], color="0.8", lw=1, label="loss")
        ax.plot(self.lrs[:end], self.losses[:end], color="C0", lw=2, label="smoothed loss")
        for i, (name, lr) in enumerate(self.suggestions.items()):
            ax.axvline(lr, color=f"C{i + 1}", ls="--", lw=1, label=f"{name}: {lr:.2g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        finite = self.losses[:end][np.isfinite(self.losses[:end])]
        if finite.size:  # keep the interesting part: from the minimum up to the first loss
            low, high = finite.min(), max(finite[0], finite.min())
            pad = 0.1 * (high - low) or 0.1 * abs(high) or 1.0
            ax.set_ylim(low - pad, high + pad)
        ax.set_title(self.agreement, fontsize=8, wrap=True)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.fspath(path), format="png")


# ------------------------------------------------------------------------------ suggestions


def suggest(lrs: np.ndarray, losses: np.ndarray) -> dict[str, float]:
    """The three suggestions from a smoothed curve (fastai leaves out the first 10% of the
    points and the last 5, where the loss has not started falling or is blowing up)."""
    finite = np.isfinite(losses)
    lrs, losses = lrs[finite], losses[finite]
    n = len(losses)
    if n >= 20:
        lrs, losses = lrs[n // 10 : -5], losses[n // 10 : -5]
    if len(losses) < 3:
        return {}
    slopes = np.diff(losses) / np.diff(np.log(lrs))
    return {
        "steepest": float(lrs[np.argmin(slopes)]),
        "valley": float(lrs[valley_index(losses)]),
        "minimum/10": float(lrs[np.argmin(losses)] / 10),
    }


def valley_index(losses: np.ndarray) -> int:
    """fastai's valley: find the longest decreasing run of losses (a longest decreasing
    subsequence, by dynamic programming) and return the index 2/3 of the way along it.

    ``run[i]`` is the length of the longest decreasing subsequence ending at ``i``. The loop
    follows fastai's ``valley`` exactly, including where it takes the run's start from (the
    length of the run when ``i`` first became the longest one).
    """
    n = len(losses)
    run = np.ones(n, dtype=np.int64)
    best_start = best_end = 0
    for i in range(1, n):
        # fastai updates run[i] over j = 0..i-1 one j at a time; its running value is this
        # cumulative maximum, and best_end moves to i at the first j where it beats the record
        growing = np.maximum.accumulate(np.where(losses[:i] > losses[i], run[:i] + 1, 1))
        run[i] = growing[-1]
        if run[i] > run[best_end]:
            first = int(np.argmax(growing > run[best_end]))
            best_start, best_end = i - int(growing[first]), i
    sections = (best_end - best_start) / 3
    return best_start + int(sections) + int(sections / 2)


def _agreement(suggestions: dict[str, float], spread: float) -> str:
    listed = ", ".join(f"{k} {v:.2g}" for k, v in suggestions.items())
    if spread <= 0.5:
        verdict = "agree well"
    elif spread <= 1.0:
        verdict = "roughly agree"
    else:
        verdict = "disagree; look at the plot before picking one"
    return f"the suggestions {verdict}: they span {spread:.2f} decades ({listed})"


# ------------------------------------------------------------------------------ the sweep


def lr_find(
    learn,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_it: int = 100,
    smooth: float = 0.98,
    diverge: float = 4.0,
) -> LRFindResult:
    """Sweep ``learn``'s learning rate and restore everything afterwards; see the module doc.

    Only the finder takes part in the sweep: the Learner's other callbacks are not called.
    """
    finder = LRFinder(start_lr, end_lr, num_it, smooth, diverge)
    snapshot = _Snapshot(learn)
    try:
        if learn.loss_fn is None:
            from feedforward.train.learner import _default_loss

            learn.loss_fn = _default_loss(learn.train_dl)
        learn._resume = None
        learn.history = type(learn.history)()
        learn.epochs = math.ceil(num_it / len(learn.train_dl))
        learn._run([finder], learn._do_fit)
    finally:
        snapshot.restore(learn)
    return finder.result()


class _Snapshot:
    """Deep copies of everything the sweep changes, taken in memory (no temporary files)."""

    def __init__(self, learn) -> None:
        self.model = copy.deepcopy(learn.model.state_dict())
        self.optimizer = copy.deepcopy(learn.opt.state_dict())
        self.training = learn.model.training
        self.rng = (default_generator.get_state(), learn.generator.get_state())
        self.loader = copy.deepcopy(learn.train_dl.state_dict())
        self.attrs = {
            k: getattr(learn, k)
            for k in ("history", "epoch", "epochs", "step", "phase", "_resume", "_skip")
        }

    def restore(self, learn) -> None:
        learn.model.load_state_dict(self.model)
        learn.opt.load_state_dict(self.optimizer)
        learn.model.train(self.training)
        learn.train_dl.load_state_dict(self.loader)
        default_generator.set_state(self.rng[0])
        learn.generator.set_state(self.rng[1])
        for k, v in self.attrs.items():
            setattr(learn, k, v)
