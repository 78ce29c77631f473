"""Learning-rate schedules as callbacks: any ``ff.optim.lr_scheduler``, and ``OneCycle``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from feedforward.train.callback import Callback

__all__ = ["LRSchedulerCallback", "OneCycle"]


class LRSchedulerCallback(Callback):
    """Step an lr scheduler after every optimizer step or after every epoch.

    Args:
        scheduler: a scheduler over ``learn.opt``, or a function ``make(opt) -> scheduler``
            called when fit starts (for schedules that need the optimizer the Learner made).
        interval: ``"batch"`` (after each optimizer step) or ``"epoch"`` (after each epoch,
            once the epoch's metrics are in the history). Default: ``"epoch"`` for
            ReduceLROnPlateau, ``"batch"`` otherwise.
        monitor: the history column ReduceLROnPlateau is stepped with.

    Example:
        >>> sched = ff.optim.lr_scheduler.StepLR(learn.opt, step_size=5, gamma=0.5)
        >>> learn.add_cb(LRSchedulerCallback(sched, interval="epoch"))
    """

    order = 50  # after the Recorder (history), before checkpoints (which save the schedule)

    def __init__(
        self, scheduler: Any, interval: str | None = None, monitor: str = "valid_loss"
    ) -> None:
        if interval not in (None, "batch", "epoch"):
            raise ValueError(
                f"LRSchedulerCallback: interval must be 'batch' or 'epoch', got {interval!r}"
            )
        self.scheduler = scheduler
        self.interval = interval
        self.monitor = monitor
        self._make: Callable | None = None
        if not hasattr(scheduler, "step") and callable(scheduler):
            self._make, self.scheduler = scheduler, None

    @staticmethod
    def _on_plateau(scheduler: Any) -> bool:
        from feedforward.optim.lr_scheduler import ReduceLROnPlateau

        return isinstance(scheduler, ReduceLROnPlateau)

    def before_fit(self, learn) -> None:
        if self._make is not None:
            self.scheduler = self._make(learn.opt)
        plateau = self._on_plateau(self.scheduler)
        if self.interval is None:
            self.interval = "epoch" if plateau else "batch"
        if plateau and self.interval == "batch":
            raise ValueError(
                "LRSchedulerCallback: ReduceLROnPlateau steps on an epoch's metric; "
                "use interval='epoch'"
            )
        if getattr(self.scheduler, "optimizer", learn.opt) is not learn.opt:
            raise ValueError("LRSchedulerCallback: the scheduler is not over learn.opt")

    def after_step(self, learn) -> None:
        if self.interval == "batch":
            self.scheduler.step()

    def after_epoch(self, learn) -> None:
        if self.interval != "epoch":
            return
        if self._on_plateau(self.scheduler):
            record = learn.history[-1]
            if self.monitor not in record:
                raise KeyError(
                    f"LRSchedulerCallback: ReduceLROnPlateau monitors {self.monitor!r}, which "
                    f"the history lacks (columns: {', '.join(record)})"
                )
            self.scheduler.step(record[self.monitor])
        else:
            self.scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        return self.scheduler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state)


class OneCycle(LRSchedulerCallback):
    """The 1cycle policy over the whole fit: ``OneCycleLR`` with ``total_steps`` = epochs x batches.

    Args:
        max_lr: the peak learning rate.
        **kwargs: passed to ``ff.optim.lr_scheduler.OneCycleLR`` (``pct_start``,
            ``div_factor``, ``final_div_factor``, ``anneal_strategy``, ``cycle_momentum``, ...).

    Example:
        >>> learn = Learner(model, train, valid, callbacks=[OneCycle(max_lr=1e-2)])
    """

    def __init__(self, max_lr: float, **kwargs: Any) -> None:
        self.max_lr, self.kwargs = max_lr, kwargs
        super().__init__(self._one_cycle, interval="batch")

    def before_fit(self, learn) -> None:
        self._total = learn.epochs * len(learn.train_dl)
        super().before_fit(learn)

    def _one_cycle(self, opt: Any) -> Any:
        from feedforward.optim.lr_scheduler import OneCycleLR

        return OneCycleLR(opt, self.max_lr, total_steps=self._total, **self.kwargs)
