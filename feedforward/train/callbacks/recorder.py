"""``Recorder``: measures the metrics of every epoch and appends them to ``learn.history``.

Every Learner has one (it is added for you), running first (``order = -10``) so that the hooks of
other callbacks see this epoch's record in ``learn.history[-1]`` from ``after_epoch`` on.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from feedforward.tensor import Tensor
from feedforward.train.callback import Callback
from feedforward.train.metrics import Metric

__all__ = ["MetricsCallback", "MetricsState", "Recorder"]


class MetricsState:
    """What a phase has seen so far: the summed loss and, for other metrics, every output.

    The loss of a batch counts once per sample (``loss * batch size``), so ``compute`` gives the
    mean per-sample loss over the phase for mean-reduced losses, whatever the batch sizes.
    """

    def __init__(self, keep_outputs: bool) -> None:
        self.keep_outputs = keep_outputs
        self.loss_sum = 0.0
        self.count = 0
        self.preds: list[np.ndarray] = []
        self.targets: list[np.ndarray] = []

    def update(self, loss: Tensor, preds: Tensor, targets: Tensor) -> None:
        n = len(targets)
        self.loss_sum += loss.item() * n
        self.count += n
        if self.keep_outputs:
            self.preds.append(preds._data)  # never written to later: no copy needed
            self.targets.append(targets._data)

    def compute(self, metrics: list[tuple[str, Metric]]) -> dict[str, float]:
        """Each metric over the phase; empty if the phase saw no batch."""
        if self.count == 0:
            return {}
        out = {}
        for name, fn in metrics:
            if name == "loss":
                out[name] = self.loss_sum / self.count
            else:
                out[name] = float(fn(np.concatenate(self.preds), np.concatenate(self.targets)))
        return out

    def state_dict(self) -> dict[str, Any]:
        kept = self.keep_outputs and self.preds
        return {
            "keep_outputs": self.keep_outputs,
            "loss_sum": self.loss_sum,
            "count": self.count,
            "preds": np.concatenate(self.preds) if kept else None,
            "targets": np.concatenate(self.targets) if kept else None,
        }

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> MetricsState:
        self = cls(bool(state["keep_outputs"]))
        self.loss_sum, self.count = float(state["loss_sum"]), int(state["count"])
        if state["preds"] is not None:
            self.preds, self.targets = [state["preds"]._data], [state["targets"]._data]
        return self


class Recorder(Callback):
    """Fills ``learn.history``: per epoch ``train_<metric>``, ``valid_<metric>``, ``lr``, ``time``.

    ``lr`` is the learning rate of the first parameter group at the epoch's last optimizer step.
    """

    order = -10

    def __init__(self) -> None:
        self.record: dict[str, Any] = {}
        self.lr: float | None = None
        self.state: MetricsState | None = None  # of the current phase (learn.metrics_state)
        self._training = False
        self._started = 0.0

    def before_fit(self, learn) -> None:
        self._keep = len(learn.metrics) > 1  # anything besides the loss needs the outputs
        self.lr = learn.opt.param_groups[0]["lr"]

    def before_epoch(self, learn) -> None:
        if learn.resume_phase is None:  # a resumed epoch keeps what its checkpoint had
            self.record = {}
            self._started = time.perf_counter()
            self._training = False

    def before_train(self, learn) -> None:
        if learn.resume_phase != "train" or self.state is None:
            self.state = MetricsState(self._keep)
        learn.metrics_state = self.state
        self._training = True  # a checkpoint now must keep the phase's outputs so far

    def before_validate(self, learn) -> None:
        self.state = learn.metrics_state = MetricsState(self._keep)
        self._training = False

    def after_loss(self, learn) -> None:
        self.state.update(learn.loss, learn.preds, learn.yb)

    def after_step(self, learn) -> None:
        self.lr = learn.opt.param_groups[0]["lr"]

    def after_train(self, learn) -> None:
        self._add("train", learn)
        self._training = False

    def after_validate(self, learn) -> None:
        self._add("valid", learn)

    def _add(self, prefix: str, learn) -> None:
        values = self.state.compute(learn.metrics)
        self.record.update({f"{prefix}_{name}": v for name, v in values.items()})

    def after_epoch(self, learn) -> None:
        record = {"epoch": learn.epoch + 1, **self.record, "lr": _float(self.lr)}
        record["time"] = time.perf_counter() - self._started
        learn.history.append(record)

    # ------------------------------------------------------------------ checkpoints

    def state_dict(self) -> dict[str, Any]:
        return {
            "record": dict(self.record),
            "lr": _float(self.lr),
            "elapsed": time.perf_counter() - self._started,
            # only a training phase in progress resumes its partial sums (validation restarts)
            "metrics_state": self.state.state_dict() if self._training else None,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.record = dict(state["record"])
        self.lr = state["lr"]
        self._started = time.perf_counter() - state["elapsed"]
        saved = state["metrics_state"]
        self.state = None if saved is None else MetricsState.from_state_dict(saved)


def _float(lr: Any) -> float | None:
    """A group's lr as a float (it may be a 1-element Tensor)."""
    if lr is None:
        return None
    return float(lr.item()) if isinstance(lr, Tensor) else float(lr)


MetricsCallback = Recorder
