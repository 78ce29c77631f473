"""``EarlyStopping``: stop when a monitored metric stops improving, keep the best weights."""

from __future__ import annotations

import copy
import math
from typing import Any

from feedforward.train.callback import Callback, CancelFitException
from feedforward.train.history import infer_mode

__all__ = ["EarlyStopping"]


class EarlyStopping(Callback):
    """Stop training after ``patience`` epochs without improvement of ``monitor``.

    Args:
        monitor: a history column, e.g. ``"valid_loss"`` or ``"valid_accuracy"``.
        patience: epochs without improvement to allow before stopping.
        min_delta: an improvement must beat the best value by more than this.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (min for losses/errors, max for scores).
        restore_best_weights: when fit ends, load the weights of the best epoch (if it was not
            the last one).

    The decision is made at the end of each epoch; the fit then stops before the next epoch
    would begin (so every ``after_epoch`` callback, e.g. a checkpoint, sees the last epoch), and
    ``learn.stop_reason`` says why.

    Example:
        >>> learn = Learner(model, train, valid, callbacks=[EarlyStopping(patience=2)])
    """

    order = 60

    def __init__(
        self,
        monitor: str = "valid_loss",
        patience: int = 3,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = True,
    ) -> None:
        mode = infer_mode(monitor) if mode == "auto" else mode
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min', 'max' or 'auto', got {mode!r}")
        if patience < 0 or min_delta < 0:
            raise ValueError(
                f"EarlyStopping: patience and min_delta must be >= 0, got {patience}, {min_delta}"
            )
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, min_delta, mode
        self.restore_best_weights = restore_best_weights
        self._reset()

    def _reset(self) -> None:
        self.best: float | None = None
        self.best_epoch: int | None = None  # 1-based, as in the history
        self.wait = 0
        self.best_weights: dict | None = None
        self.stop: str | None = None  # the reason, once the patience has run out

    def before_fit(self, learn) -> None:
        self._reset()

    def before_epoch(self, learn) -> None:
        if self.stop is not None:
            learn.stop_reason = self.stop
            raise CancelFitException(self.stop)

    def after_epoch(self, learn) -> None:
        record = learn.history[-1]
        if self.monitor not in record:
            raise KeyError(
                f"EarlyStopping: the history has no {self.monitor!r} (columns: "
                f"{', '.join(record)}); is there valid_data?"
            )
        value = record[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, record["epoch"], 0
            if self.restore_best_weights:
                self.best_weights = copy.deepcopy(learn.model.state_dict())
            return
        self.wait += 1
        if self.wait >= self.patience and learn.epoch + 1 < learn.epochs:
            self.stop = (
                f"EarlyStopping: {self.monitor} did not improve by more than {self.min_delta} "
                f"for {self.wait} epochs (best {self.best:.6g} at epoch {self.best_epoch}); "
                f"stopped after epoch {record['epoch']}"
            )

    def _improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def after_fit(self, learn) -> None:
        last = learn.history[-1]["epoch"] if learn.history else None
        if self.best_weights is not None and self.best_epoch != last:
            learn.model.load_state_dict(self.best_weights)

    # ------------------------------------------------------------------ checkpoints

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "best_weights": self.best_weights,
            "stop": self.stop,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.wait, self.stop = state["wait"], state["stop"]
        self.best_weights = state["best_weights"]
