"""In-place NumPy building blocks shared by the update functions.

Each mirrors one of torch's fused in-place ops and rounds the same way (same operation order), so
the update functions can be read line by line against torch's ``_single_tensor_*`` code. Scalars
are Python floats: NumPy treats them as "weak", so float32 arrays stay float32.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = [
    "count_step",
    "with_steps",
    "effective_grad",
    "decoupled_grad",
    "lerp_",
    "addcmul_",
    "addcdiv_",
]


def count_step(step_t: np.ndarray) -> float:
    """``step_t += 1`` for a 0-d step counter; returns its new value as a Python float.

    Written as item + fill because a ufunc on a 0-d array costs ~1 us, ten times this, once per
    parameter per step. Same value: the sum is exact in a Python float and rounded once to the
    counter's dtype, as the in-place add rounds it.
    """
    step_t.fill(step_t.item() + 1)
    return step_t.item()


def with_steps(
    state_steps: list[np.ndarray], params: list[np.ndarray], *per_param: list
) -> Iterator[tuple]:
    """``(t, param, *others)`` for each parameter, after counting its step.

    The loop of the update functions that keep a step counter (torch's ``for i, param in
    enumerate(params): ... step_t += 1``): the parameter's counter (a 0-d array of the state) is
    incremented in place, ``t`` is its new value as a Python float, and ``others`` are the
    parameter's entries of the ``per_param`` lists (gradient, moment buffers). Lists are paired
    as by ``zip``, as torch's Adagrad does.
    """
    for step_t, arrays in zip(state_steps, zip(params, *per_param)):
        yield (count_step(step_t), *arrays)


def effective_grad(
    param: np.ndarray, grad: np.ndarray, weight_decay: float, maximize: bool
) -> np.ndarray:
    """The gradient an update uses: ``-grad`` when maximizing, plus ``weight_decay * param`` (L2).

    Returns ``grad`` itself when nothing changes, otherwise a new array (``grad`` is the user's
    ``p.grad`` and is never written).
    """
    if maximize:
        grad = np.negative(grad)
    if weight_decay != 0:
        decay = param * weight_decay
        grad = np.add(grad, decay, out=decay)
    return grad


def decoupled_grad(
    param: np.ndarray,
    grad: np.ndarray,
    lr: float,
    weight_decay: float,
    decoupled: bool,
    maximize: bool,
) -> np.ndarray:
    """``effective_grad`` for the optimizers that can decouple weight decay (Adam, NAdam).

    With ``decoupled`` the weights shrink in place, ``param *= 1 - lr * weight_decay`` (AdamW),
    and the gradient gets no L2 term; otherwise weight decay is the L2 penalty.
    """
    if weight_decay != 0 and decoupled:
        param *= 1 - lr * weight_decay
        return effective_grad(param, grad, 0, maximize)
    return effective_grad(param, grad, weight_decay, maximize)


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, scratch: np.ndarray) -> None:
    """``start += weight * (end - start)``, in torch.lerp's two forms (exact at both ends)."""
    np.subtract(end, start, out=scratch)
    if abs(weight) < 0.5:
        scratch *= weight
        start += scratch
    else:
        scratch *= 1 - weight
        np.subtract(end, scratch, out=start)


def addcmul_(
    target: np.ndarray, a: np.ndarray, b: np.ndarray, value: float, scratch: np.ndarray
) -> None:
    """``target += value * a * b`` (torch's ``addcmul_``)."""
    np.multiply(a, value, out=scratch)
    scratch *= b
    target += scratch


def addcdiv_(
    target: np.ndarray, a: np.ndarray, b: np.ndarray, value: float, out: np.ndarray | None = None
) -> None:
    """``target += value * a / b`` (torch's ``addcdiv_``); ``out`` is an optional scratch buffer
    (it must not be ``b``)."""
    t = np.multiply(a, value, out=out)
    t /= b
    target += t
