"""``skip_init``: a module whose parameters and buffers are left uninitialised."""

from __future__ import annotations

import inspect

import numpy as np

from feedforward.nn.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` with uninitialised parameters and buffers (``empty``
    memory, as torch's), for code that sets every value itself.

    The class must take a ``device`` argument, as torch requires. torch builds the module on
    the meta device, so no initialisation runs; ff has no meta device: the module is built
    (initialised) and its values are then replaced by uninitialised memory.

    Example:
        >>> m = nn.utils.skip_init(nn.Linear, 5, 1)
        >>> m.weight.shape
        feedforward.Size([1, 5])
    """
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    module = module_cls(*args, **kwargs)
    for tensor in (*module.parameters(), *module.buffers()):
        tensor._data = np.empty_like(tensor._data)  # torch's to_empty: fresh, unset storage
        tensor._storage = None
    return module
