"""``TerminateOnNaN``: stop at the first NaN/inf, naming the module whose output went bad."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from feedforward.tensor import Tensor
from feedforward.train.callback import Callback, CancelFitException

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Stop training as soon as a module output or the loss is not finite.

    While fit runs, a forward hook on every submodule checks its output; the first module (in the
    order outputs are computed) that produced a NaN or infinity is remembered. After the loss of
    that batch, before any backward pass or step, fit is cancelled and ``learn.stop_reason`` (also
    ``learn.history.stop_reason``) names the module, e.g.::

        TerminateOnNaN: non-finite output (nan) from module '2' (Linear) at epoch 3, batch 17

    The checks cost one pass over every module output per batch.
    """

    order = 0

    def __init__(self) -> None:
        self.reason: str | None = None
        self._handles: list[Any] = []
        self._first: tuple[str, str, str] | None = None  # (name, class, kind of value)

    def before_fit(self, learn) -> None:
        self.reason, self._first = None, None
        named = getattr(learn.model, "named_modules", None)
        if named is None:
            return
        for name, module in named():
            self._handles.append(module.register_forward_hook(self._hook(name or "<model>")))

    def _hook(self, name: str):
        def check(module: Any, args: Any, output: Any) -> None:
            if self._first is None:
                kind = _non_finite(output)
                if kind is not None:
                    self._first = (name, type(module).__name__, kind)

        return check

    def after_loss(self, learn) -> None:
        where = f"at epoch {learn.epoch + 1}, batch {learn.iter + 1}"
        if not learn.training:
            where += " (validation)"
        if self._first is not None:
            name, cls, kind = self._first
            what = f"non-finite output ({kind}) from module {name!r} ({cls})"
        else:
            loss = learn.loss.item()
            if math.isfinite(loss):
                return
            what = f"non-finite loss ({loss}) with every module output finite"
        self.reason = f"TerminateOnNaN: {what} {where}"
        learn.stop_reason = self.reason
        raise CancelFitException(self.reason)

    def cleanup_fit(self, learn) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []


def _non_finite(output: Any) -> str | None:
    """'nan' or 'inf' if a tensor in ``output`` holds one, else None."""
    tensors = output if isinstance(output, tuple | list) else (output,)
    for t in tensors:
        if isinstance(t, Tensor) and t._data.dtype.kind in "fc" and not np.isfinite(t._data).all():
            return "nan" if np.isnan(t._data).any() else "inf"
    return None
