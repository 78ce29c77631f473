"""Flatten parameters into one vector and back (for optimisers that work on a flat vector)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from feedforward.autograd.grad_mode import no_grad
from feedforward.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable).

    Example:
        >>> vec = nn.utils.parameters_to_vector(model.parameters())
        >>> vec.shape                 # (total number of parameters,)
    """
    from feedforward.ops.api import cat

    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters``, in place (the
    inverse of :func:`parameters_to_vector`)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected feedforward.Tensor, but got: {type(vec).__name__}")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if vec.numel() != total:
        raise RuntimeError(
            f"vector_to_parameters: the vector has {vec.numel()} elements but the parameters "
            f"hold {total}"
        )
    flat = vec._data.reshape(-1)
    pointer = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            np.copyto(p._data, flat[pointer : pointer + n].reshape(p._data.shape), casting="unsafe")
            p._version.value += 1
            pointer += n
