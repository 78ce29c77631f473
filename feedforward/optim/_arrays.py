"""In-place NumPy building blocks shared by the update functions.

Each mirrors one of torch's fused in-place ops and rounds the same way (same operation order), so
the update functions can be read line by line against torch's ``_single_tensor_*`` code. Scalars
are Python floats: NumPy treats them as "weak", so float32 arrays stay float32.
"""

from __future__ import annotations

import numpy as np

__all__ = ["effective_grad", "lerp_", "addcmul_", "addcdiv_"]


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
