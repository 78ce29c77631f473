"""Instance normalisation: ``InstanceNorm1d`` (N, C, L), ``InstanceNorm2d`` (N, C, H, W) and
``InstanceNorm3d`` (N, C, D, H, W), each also unbatched (without N).

Each channel of each sample is normalised over its spatial dims by its own statistics.
Unlike batch norm the defaults learn nothing and keep no running estimates (``affine=False``,
``track_running_stats=False``); with ``track_running_stats`` the running estimates (averaged
over the batch's samples) normalise in eval. Ulyanov et al., 2016, "Instance Normalization:
The Missing Ingredient for Fast Stylization".
"""

from __future__ import annotations

import warnings

from feedforward.nn import functional as F
from feedforward.nn.modules.batchnorm import _BatchNorm
from feedforward.tensor import Tensor

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_BatchNorm):
    """Shared by the InstanceNorm layers; subclasses say the rank of unbatched input."""

    _no_batch_dim = 2

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features,
            eps,
            momentum,
            affine,
            track_running_stats,
            device,
            dtype,
            bias=bias,
        )

    def _apply_instance_norm(self, input: Tensor) -> Tensor:
        return F.instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )

    def forward(self, input: Tensor) -> Tensor:
        unbatched = self._no_batch_dim
        if input.dim() not in (unbatched, unbatched + 1):
            raise ValueError(
                f"expected {unbatched}D or {unbatched + 1}D input (got {input.dim()}D input)"
            )
        feature_dim = input.dim() - self._no_batch_dim
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features"
                    f" ({self.num_features}), but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. "
                "You can silence this warning by not passing in num_features, "
                "which is not used because affine=False",
                stacklevel=2,
            )
        if input.dim() == self._no_batch_dim:  # unbatched: a batch of one
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) or (C, L) input: statistics per sample and channel.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for stability. Default: 1e-5.
        momentum: weight of the new batch in the running estimates; None for a cumulative
            average. Default: 0.1.
        affine: learn a per-channel scale (init 1) and shift (init 0). Default: False.
        track_running_stats: keep running estimates and normalise with them in eval.
            Default: False.
    """

    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) or (C, H, W) input."""

    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over (N, C, D, H, W) or (C, D, H, W) input."""

    _no_batch_dim = 4
