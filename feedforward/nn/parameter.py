"""``Parameter``: a Tensor that a Module registers as one of its learnable weights.

A Parameter is an ordinary leaf tensor with ``requires_grad=True`` by default. What makes it
special is only how ``Module.__setattr__`` treats it: assigning one to a module attribute
registers it, so ``module.parameters()`` (and hence the optimizer) can find it.
"""

from __future__ import annotations

import numpy as np

from feedforward.autograd.function import share_storage
from feedforward.tensor import Tensor, _array_from

__all__ = ["Parameter", "Buffer"]


def _array_of(data) -> np.ndarray:
    """The array to wrap (shared, never copied, for an ff Tensor)."""
    if data is None:
        return np.empty(0, dtype=np.float32)
    if isinstance(data, Tensor):
        return data._data
    return _array_from(data)


class Parameter(Tensor):
    """A learnable tensor of a Module: assigning it to a module attribute registers it.

    Args:
        data: the initial values. An ff Tensor's storage is shared, not copied (as in torch).
            ``None`` gives an empty float32 tensor.
        requires_grad: whether the parameter receives gradients. Default: True.

    Example:
        >>> w = nn.Parameter(ff.zeros(3, 2))
        >>> w.requires_grad, w.is_leaf
        (True, True)
    """

    def __new__(cls, data=None, requires_grad: bool = True) -> Parameter:
        array = _array_of(data)
        if requires_grad and array.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point dtype can require gradients")
        p = object.__new__(cls)
        p._init(array, bool(requires_grad), None)
        if isinstance(data, Tensor):
            share_storage(p, data)  # data's storage: in-place writes count for both
        return p

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        pass  # all done in __new__ (Tensor.__init__ would copy the data)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(Tensor._make(self._data.copy(), False, None), self._requires_grad)
        if self.grad is not None:
            p.grad = Tensor._make(self.grad._data.copy(), False, None)
        memo[id(self)] = p
        return p


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute.

    ``module.x = nn.Buffer(t)`` is ``module.register_buffer('x', t, persistent)``. The buffer
    stored is a plain Tensor sharing ``t``'s storage.

    Args:
        data: the buffer's values.
        persistent: whether the buffer appears in ``state_dict()``. Default: True.
    """

    def __new__(cls, data=None, *, persistent: bool = True) -> Buffer:
        b = object.__new__(cls)
        b._init(_array_of(data), False, None)
        if isinstance(data, Tensor):
            share_storage(b, data)
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent: bool = True) -> None:
        pass
