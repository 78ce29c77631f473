"""Spectral normalization with a forward pre-hook (torch's older API; the newer one is
``nn.utils.parametrizations.spectral_norm``): before every forward, ``weight`` is
``weight_orig / sigma``, sigma the largest singular value estimated by power iteration with the
vectors ``weight_u`` and ``weight_v`` (buffers, updated in training mode only).

Miyato et al., "Spectral Normalization for Generative Adversarial Networks" (2018),
https://arxiv.org/abs/1802.05957
"""

from __future__ import annotations

from typing import Any, TypeVar

from feedforward.autograd.grad_mode import no_grad
from feedforward.nn import functional as F
from feedforward.nn.module import Module
from feedforward.nn.parameter import Parameter
from feedforward.tensor import Tensor

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


class SpectralNorm:
    """The forward pre-hook of :func:`spectral_norm`."""

    _version: int = 1
    name: str
    dim: int
    n_power_iterations: int
    eps: float

    def __init__(
        self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but "
                f"got n_power_iterations={n_power_iterations}"
            )
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """``dim`` first, the other dims flattened: (weight.size(dim), -1)."""
        weight_mat = weight
        if self.dim != 0:
            weight_mat = weight_mat.permute(
                self.dim, *[d for d in range(weight_mat.dim()) if d != self.dim]
            )
        return weight_mat.reshape(weight_mat.size(0), -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """weight_orig / (u . W v), after ``n_power_iterations`` updates of u and v (in place, so
        the buffers keep them) when ``do_power_iteration``."""
        from feedforward.ops import api

        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v = F.normalize(api.mv(weight_mat.t(), u), dim=0, eps=self.eps, out=v)
                    u = F.normalize(api.mv(weight_mat, v), dim=0, eps=self.eps, out=u)
                # copies: the buffers change in place at the next forward, which would spoil
                # this forward's backward
                u = u.clone()
                v = v.clone()
        sigma = api.dot(u, api.mv(weight_mat, v))
        return weight / sigma

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(
        module: Module, name: str, n_power_iterations: int, dim: int, eps: float
    ) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two spectral_norm hooks on the same parameter {name}"
                )
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with no_grad():
            weight_mat = fn.reshape_weight_to_matrix(weight)
            h, w = weight_mat.size()
            # random starting vectors (ff's generator: not torch's numbers)
            u = F.normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=fn.eps)
            v = F.normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        # a plain attribute until the first forward sets it; not a Parameter, so that
        # parameters() lists weight_orig only
        setattr(module, fn.name, weight.data)
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


T_module = TypeVar("T_module", bound=Module)


def _default_dim(module: Module) -> int:
    """The output-channel dim: 1 for the transposed convolutions, 0 otherwise."""
    from feedforward.nn import modules

    transposed = tuple(
        getattr(modules, name)
        for name in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
        if hasattr(modules, name)
    )
    return 1 if transposed and isinstance(module, transposed) else 0


def spectral_norm(
    module: T_module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> T_module:
    """Rescale ``module.<name>`` by its spectral norm (largest singular value) before every
    forward, estimated by ``n_power_iterations`` steps of power iteration per training forward.

    Args:
        module: the module.
        name: the weight's name.
        n_power_iterations: power-iteration steps per forward in training mode.
        eps: for numerical stability when normalizing u and v.
        dim: the dim of output channels (default 0, 1 for transposed convolutions).

    Example:
        >>> m = nn.utils.spectral_norm(nn.Linear(20, 40))
        >>> m.weight_u.shape
        feedforward.Size([40])
    """
    if dim is None:
        dim = _default_dim(module)
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo :func:`spectral_norm`: ``<name>`` is a Parameter again, of the current value."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
