"""Gradient clipping: bound the gradients' size before an optimizer step.

``clip_grad_norm_`` rescales all gradients together so that their joint norm is at most
``max_norm`` (the direction is kept); ``clip_grad_value_`` clamps each element.
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable

import numpy as np

from feedforward.autograd.grad_mode import no_grad
from feedforward.tensor import Tensor

__all__ = [
    "clip_grad_norm_",
    "clip_grad_norm",
    "clip_grad_value_",
    "get_total_norm",
    "clip_grads_with_norm_",
]

TensorOrTensors = Tensor | Iterable[Tensor]


def _vector_norm(a: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of all elements of ``a``, in a's dtype (0-d array)."""
    x = np.abs(a.reshape(-1))
    if p == np.inf:
        return x.max(initial=0).astype(a.dtype)
    if p == -np.inf:
        return x.min(initial=np.inf).astype(a.dtype)
    if p == 0:
        return np.asarray(np.count_nonzero(x), dtype=a.dtype)
    if p == 1:
        return x.sum(dtype=a.dtype)
    if p == 2:
        return np.sqrt(np.dot(x, x)).astype(a.dtype)
    return (np.power(x, p).sum(dtype=a.dtype) ** (1.0 / p)).astype(a.dtype)


def get_total_norm(
    tensors: TensorOrTensors,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The ``norm_type``-norm of all elements of ``tensors`` together, as a 0-d tensor.

    Computed as torch does: the norm of each tensor, then the norm of those norms.
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(np.asarray(0.0, dtype=np.float32), False, None)
    dtype = tensors[0]._data.dtype
    norms = np.stack([_vector_norm(t._data, norm_type).astype(dtype) for t in tensors])
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._make(np.asarray(total), False, None)


def clip_grads_with_norm_(
    parameters: TensorOrTensors, max_norm: float, total_norm: Tensor, foreach: bool | None = None
) -> None:
    """Scale every gradient by ``min(1, max_norm / (total_norm + 1e-6))``, in place."""
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coef = np.minimum(float(max_norm) / (total + 1e-6), 1.0)
    with no_grad(), np.errstate(invalid="ignore"):  # inf norm: 0 * (max/inf) is nan, as torch
        for g in grads:
            np.multiply(g._data, coef.astype(g._data.dtype), out=g._data)
            g._version.value += 1


def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so that their total norm is at most
    ``max_norm``.

    The total norm is that of all gradients concatenated into one vector. When it exceeds
    ``max_norm`` every gradient is multiplied by ``max_norm / (total_norm + 1e-6)``.

    Args:
        parameters: a tensor or an iterable of tensors (e.g. ``model.parameters()``); those
            without a ``.grad`` are skipped.
        max_norm: the largest norm allowed.
        norm_type: the p of the p-norm; ``float('inf')`` for the largest absolute value.
        error_if_nonfinite: raise RuntimeError if the total norm is nan or inf.
        foreach: accepted for compatibility; there is one implementation.

    Returns:
        The total norm before clipping, a 0-d tensor.

    Example:
        >>> loss.backward()
        >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        >>> optimizer.step()
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn(
                "`parameters` is an empty generator, no gradient clipping will occur.",
                stacklevel=2,
            )
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated spelling of :func:`clip_grad_norm_`."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(
    parameters: TensorOrTensors, clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient element of ``parameters`` into ``[-clip_value, clip_value]``,
    in place."""
    parameters = [parameters] if isinstance(parameters, Tensor) else parameters
    clip_value = float(clip_value)
    with no_grad():
        for p in parameters:
            if p.grad is not None:
                np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
                p.grad._version.value += 1
