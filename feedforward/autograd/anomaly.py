"""``detect_anomaly``: stop at the first op whose forward or backward produced NaN or Inf."""

from __future__ import annotations

import traceback

import numpy as np

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]

_enabled = False


def is_anomaly_enabled() -> bool:
    return _enabled


class set_detect_anomaly:
    """Turn anomaly detection on or off (context manager too)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        global _enabled
        self._prev = _enabled
        _enabled = bool(mode) and check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _enabled
        _enabled = self._prev
        return False


class detect_anomaly(set_detect_anomaly):
    """Within this block every op checks its result: a NaN/Inf raises at the op that made it.

    The error names the op, and for a backward failure, the line of user code whose forward created
    the node. This slows every op down, so use it to debug, not to train.

    Example:
        >>> with ff.autograd.detect_anomaly():
        ...     loss = model(x).log().sum()
        ...     loss.backward()
    """

    def __init__(self, check_nan: bool = True) -> None:
        super().__init__(True, check_nan)


def _bad(array) -> str | None:
    if isinstance(array, np.ndarray) and array.dtype.kind == "f" and not np.isfinite(array).all():
        return "nan" if np.isnan(array).any() else "inf"
    return None


def _user_frame(stack) -> str:
    """The innermost frame outside feedforward's own code: the line that called the op."""
    frames = [f for f in stack if "/feedforward/" not in f.filename.replace("\\", "/")]
    frame = frames[-1] if frames else stack[-1]
    return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}\n    {frame.line}'


def check_forward(fn_cls, result) -> None:
    kind = _bad(result)
    if kind:
        where = _user_frame(traceback.extract_stack()[:-2])
        raise RuntimeError(
            f"Function '{fn_cls.__name__}' returned {kind} values in its output.\n"
            f"The op was called here:\n  {where}"
        )


def check_backward(node, grads) -> None:
    for i, g in enumerate(grads):
        kind = _bad(g)
        if kind:
            where = _user_frame(node._stack) if node._stack else "(created outside anomaly mode)"
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its {i}th output.\n"
                f"Its forward was called here:\n  {where}"
            )
