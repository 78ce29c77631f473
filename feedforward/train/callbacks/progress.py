"""``ProgressCallback``: a tqdm bar over the batches of each epoch, then one line per epoch.

epoch 3/10  train_loss 0.4213  valid_loss 0.4577  valid_accuracy 0.8813  lr 0.0010  0.8s
  [elapsed 2.5s, left 5.8s]
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from feedforward.train.callback import Callback

__all__ = ["ProgressCallback"]

_POSTFIX_EVERY = 16  # batches between updates of the bar's loss readout (an item() each time)


class ProgressCallback(Callback):
    """Shows training progress; the Learner adds one unless made with ``quiet=True``.

    Args:
        quiet: show nothing (the same as leaving the callback out).
        bar: show the per-batch bar (the epoch lines are printed either way).
        file: where to write (default: ``sys.stderr``, like tqdm).
    """

    order = 80  # after the Recorder and the schedulers, so the epoch line shows their result

    def __init__(self, quiet: bool = False, bar: bool = True, file: IO[str] | None = None) -> None:
        self.quiet = quiet
        self.show_bar = bar
        self.file = file
        self._bar: Any = None

    def before_fit(self, learn) -> None:
        self._fit_started = time.perf_counter()
        self._epochs_run = 0

    def before_train(self, learn) -> None:
        self._open(learn, "train")

    def before_validate(self, learn) -> None:
        self._open(learn, "valid")

    def _open(self, learn, what: str) -> None:
        self._close()
        if self.quiet or not self.show_bar:
            return
        from tqdm.auto import tqdm

        desc = f"epoch {learn.epoch + 1}/{learn.epochs} {what}"
        done = learn._skip if what == "train" else 0  # a resumed epoch starts part-way
        self._bar = tqdm(
            total=learn.n_iter,
            initial=done,
            desc=desc,
            leave=False,
            file=self.file or sys.stderr,
            dynamic_ncols=True,
            mininterval=0.2,
        )

    def after_batch(self, learn) -> None:
        bar = self._bar
        if bar is None:
            return
        bar.update(1)
        if bar.n % _POSTFIX_EVERY == 0 and learn.loss is not None:
            bar.set_postfix_str(f"loss {learn.loss.item():.4f}", refresh=False)

    def after_train(self, learn) -> None:
        self._close()

    def after_validate(self, learn) -> None:
        self._close()

    def after_epoch(self, learn) -> None:
        self._close()
        if self.quiet or not learn.history:
            return
        self._epochs_run += 1
        elapsed = time.perf_counter() - self._fit_started
        left = elapsed / self._epochs_run * (learn.epochs - learn.epoch - 1)
        self._write(
            f"{_format_record(learn.history[-1], learn.epochs)}  "
            f"[elapsed {_duration(elapsed)}, left {_duration(left)}]"
        )

    def after_fit(self, learn) -> None:
        if not self.quiet and learn.stop_reason:
            self._write(f"stopped: {learn.stop_reason}")

    def cleanup_fit(self, learn) -> None:
        self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _write(self, line: str) -> None:
        from tqdm.auto import tqdm

        tqdm.write(line, file=self.file or sys.stderr)


def _format_record(record: dict[str, Any], epochs: int) -> str:
    parts = [f"epoch {record.get('epoch')}/{epochs}"]
    for key, value in record.items():
        if key in ("epoch", "time"):
            continue
        parts.append(f"{key} {_number(value)}")
    parts.append(f"{record.get('time', 0.0):.1f}s")
    return "  ".join(parts)


def _number(v: Any) -> str:
    if not isinstance(v, float):
        return str(v)
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:.4f}"
    return f"{v:.3g}"  # small lrs, huge losses, nan


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{sec:02d}" if hours else f"{minutes}:{sec:02d}"
