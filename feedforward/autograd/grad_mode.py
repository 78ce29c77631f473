"""Switches for gradient recording: no_grad, enable_grad, inference_mode, set_grad_enabled."""

from __future__ import annotations

import functools

__all__ = [
    "no_grad",
    "enable_grad",
    "inference_mode",
    "set_grad_enabled",
    "is_grad_enabled",
    "is_inference_mode_enabled",
]

# One mutable cell read by every op: a list lookup is the cheapest global state in CPython.
_state = {"grad": True, "inference": False}


def is_grad_enabled() -> bool:
    return _state["grad"]


def is_inference_mode_enabled() -> bool:
    return _state["inference"]


class _GradMode:
    """Base of the context managers; each also works as a decorator, like torch's."""

    grad = True
    inference = False

    def __enter__(self):
        self._prev = (_state["grad"], _state["inference"])
        _state["grad"] = self.grad
        _state["inference"] = self.inference
        return self

    def __exit__(self, *exc):
        _state["grad"], _state["inference"] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradMode):
    """Ops inside record no graph: results have ``requires_grad=False``.

    Example:
        >>> with ff.no_grad():
        ...     w -= lr * w.grad
    """

    grad = False

    def __init__(self) -> None:
        pass


class enable_grad(_GradMode):
    """Turns gradient recording back on inside a ``no_grad`` block."""

    grad = True

    def __init__(self) -> None:
        pass


class set_grad_enabled(_GradMode):
    """Sets gradient recording on or off; takes effect at once, and works as a context manager."""

    def __init__(self, mode: bool) -> None:
        self.grad = bool(mode)
        self._prev = (_state["grad"], _state["inference"])
        _state["grad"] = self.grad

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state["grad"], _state["inference"] = self._prev
        return False

    def clone(self):
        return self.__class__(self.grad)


class inference_mode(_GradMode):
    """Like ``no_grad`` for evaluation and prediction; ``inference_mode(False)`` is a no-op."""

    def __init__(self, mode: bool = True) -> None:
        self.grad = not mode if mode else _state["grad"]
        self.inference = bool(mode)
        self._mode = mode

    def __enter__(self):
        if not self._mode:
            self._prev = (_state["grad"], _state["inference"])
            return self
        return super().__enter__()

    def clone(self):
        return self.__class__(self._mode)
