"""Fold an eval-mode batch norm into the linear layer before it: one affine map instead of two.

With s = gamma / sqrt(running_var + eps), BN(W x + b) = (s W) x + (s (b - running_mean) + beta).
"""

from __future__ import annotations

import copy
from typing import TypeVar

from feedforward.nn.module import Module
from feedforward.nn.parameter import Parameter
from feedforward.tensor import Tensor

__all__ = ["fuse_linear_bn_eval", "fuse_linear_bn_weights"]

LinearT = TypeVar("LinearT", bound=Module)


def fuse_linear_bn_eval(linear: LinearT, bn: Module) -> LinearT:
    """A copy of ``linear`` computing ``bn(linear(x))`` (both in eval mode); ``bn`` has
    ``linear.out_features`` features, or 1.

    Example:
        >>> fused = nn.utils.fuse_linear_bn_eval(linear.eval(), bn.eval())
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused_linear = copy.deepcopy(linear)
    # a 1-feature bn broadcasts over every output; otherwise the sizes must agree
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1, "
            f"got linear.out_features={linear.out_features} and bn.num_features={bn.num_features}"
        )
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused_linear.weight, fused_linear.bias = fuse_linear_bn_weights(
        fused_linear.weight,
        fused_linear.bias,
        bn.running_mean,
        bn.running_var,
        bn.eps,
        bn.weight,
        bn.bias,
    )
    return fused_linear


def fuse_linear_bn_weights(
    linear_w: Tensor,
    linear_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor,
    bn_b: Tensor,
) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)`` Parameters: ``W s[:, None]`` and ``(b - mean) s + beta``,
    s = bn_w / sqrt(bn_rv + bn_eps), in the linear layer's dtypes."""
    from feedforward import creation
    from feedforward.ops import api

    linear_weight_dtype = linear_w.dtype
    linear_bias_dtype = linear_b.dtype if linear_b is not None else linear_weight_dtype
    if linear_b is None:
        linear_b = creation.zeros_like(bn_rm)
    bn_scale = bn_w * api.rsqrt(bn_rv + bn_eps)
    fused_w = linear_w * bn_scale.unsqueeze(-1).to(dtype=linear_weight_dtype)
    fused_b = ((linear_b - bn_rm) * bn_scale + bn_b).to(dtype=linear_bias_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, linear_b.requires_grad)
