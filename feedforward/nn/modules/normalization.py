"""Per-sample normalisation layers: ``LayerNorm``, ``RMSNorm`` and ``GroupNorm``.

Unlike batch norm they use no batch statistics, so they behave the same in training and eval
and for a batch of one.
"""

from __future__ import annotations

import numbers

from feedforward import creation
from feedforward.nn import functional as F
from feedforward.nn import init
from feedforward.nn.module import Module
from feedforward.nn.parameter import Parameter
from feedforward.tensor import Tensor

__all__ = ["LayerNorm", "RMSNorm", "GroupNorm"]


def _as_shape(normalized_shape) -> tuple[int, ...]:
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(normalized_shape)


class LayerNorm(Module):
    """Normalise each sample over its last dims to mean 0 / variance 1, then scale and shift.

    y = (x - mean) / sqrt(var + eps) * weight + bias, with mean and (biased) variance over the
    last ``len(normalized_shape)`` dims.

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dim).
        eps: added to the variance for stability. Default: 1e-5.
        elementwise_affine: learn ``weight`` (init 1) and ``bias`` (init 0). Default: True.
        bias: learn the bias too (when elementwise_affine). Default: True.

    Shape:
        input (*, *normalized_shape), output the same.

    Example:
        >>> ln = nn.LayerNorm(16)
        >>> ln(ff.randn(8, 16)).shape
        feedforward.Size([8, 16])
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(
                creation.empty(self.normalized_shape, device=device, dtype=dtype)
            )
            if bias:
                self.bias = Parameter(
                    creation.empty(self.normalized_shape, device=device, dtype=dtype)
                )
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """Scale each sample by the inverse root mean square of its last dims: x / rms(x) * weight.

    Cheaper than LayerNorm (no mean is subtracted); common in transformers.

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dim).
        eps: added to the mean square; None uses the input dtype's machine epsilon.
        elementwise_affine: learn ``weight`` (init 1). Default: True.
    """

    def __init__(
        self,
        normalized_shape,
        eps: float | None = None,
        elementwise_affine: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(
                creation.empty(self.normalized_shape, device=device, dtype=dtype)
            )
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class GroupNorm(Module):
    """Normalise each group of channels of each sample (over the group's channels and all
    spatial positions), then scale and shift per channel (Wu & He, 2018, "Group
    Normalization").

    Args:
        num_groups: how many groups the channels are split into (must divide num_channels).
        num_channels: C, the channels of the input (dim 1).
        eps: added to the variance for stability. Default: 1e-5.
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0). Default: True.
        bias: learn the bias too (when affine). Default: True.

    Shape:
        input (N, C, *), output the same.
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(creation.empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
