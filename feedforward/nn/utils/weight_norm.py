"""Weight normalization with a forward pre-hook (torch's older API, deprecated in favour of
``nn.utils.parametrizations.weight_norm``): ``weight`` is recomputed from ``weight_g`` and
``weight_v`` before every forward.

Salimans & Kingma, "Weight Normalization: A Simple Reparameterization to Accelerate Training of
Deep Neural Networks" (2016), https://arxiv.org/abs/1602.07868
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

from feedforward.nn._ops.normalization import WeightNorm as _WeightNormOp
from feedforward.nn.module import Module
from feedforward.nn.parameter import Parameter
from feedforward.tensor import Tensor

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The ``pow``-norm of v over every dim but ``dim`` (kept, size 1); ``dim=-1``: over all of
    v, a 0-D tensor (torch's ``norm_except_dim``, where -1 means no dim, not the last)."""
    if dim == -1:
        return v.norm(pow)
    axes = tuple(d for d in range(v.ndim) if d != dim)
    return v.norm(pow, axes, keepdim=True)


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """g v / ||v||, the norm over every dim but ``dim`` (torch's ``_weight_norm``): one fused node
    for the first or last dim, as torch's kernel; otherwise torch's composition."""
    if v.ndim > 0 and dim in (0, v.ndim - 1):
        return _WeightNormOp.apply(v, g, dim)
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook of :func:`weight_norm`: sets ``module.<name>`` from ``<name>_g`` and
    ``<name>_v``."""

    name: str
    dim: int

    def __init__(self, name: str, dim: int) -> None:
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module: Module) -> Any:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int) -> WeightNorm:
        warnings.warn(
            "`torch.nn.utils.weight_norm` is deprecated "
            "in favor of `torch.nn.utils.parametrizations.weight_norm`.",
            FutureWarning,
            stacklevel=3,
        )
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two weight_norm hooks on the same parameter {name}"
                )
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


T_module = TypeVar("T_module", bound=Module)


def weight_norm(module: T_module, name: str = "weight", dim: int = 0) -> T_module:
    """Split ``module.<name>`` into a magnitude ``<name>_g`` and a direction ``<name>_v``:
    w = g v / ||v||, the norm over every dim but ``dim`` (``None``: over the whole tensor).

    Deprecated in torch (a FutureWarning) in favour of
    :func:`nn.utils.parametrizations.weight_norm`.

    Example:
        >>> m = nn.utils.weight_norm(nn.Linear(20, 40), name="weight")
        >>> m.weight_g.shape, m.weight_v.shape
        (feedforward.Size([40, 1]), feedforward.Size([40, 20]))
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo :func:`weight_norm`: ``<name>`` is a Parameter again, of the current value."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
