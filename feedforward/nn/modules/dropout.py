"""Dropout layers: random zeroing in training mode, the identity in eval mode.

Example:
    >>> drop = nn.Dropout(p=0.2)
    >>> drop.train()(ff.ones(4))   # survivors are scaled by 1 / (1 - 0.2)
    >>> drop.eval()(ff.ones(4))    # the input itself
"""

from __future__ import annotations

from feedforward.nn import functional as F
from feedforward.nn.module import Module
from feedforward.tensor import Tensor

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` while training; scale survivors by 1/(1-p).

    The scaling keeps every element's expected value, so in eval mode (``model.eval()``) the
    layer simply returns its input. The masks come from the default generator: seed it with
    ``ff.manual_seed`` for reproducible runs.

    Args:
        p: probability of an element being zeroed. Default: 0.5.
        inplace: overwrite the input instead of allocating the output. Default: False.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) input, each with probability ``p``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) or (C, H, W) input, each with probability ``p``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input, each with probability
    ``p``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks: keeps the activations' mean 0 and variance 1.

    Dropped units take SELU's negative saturation value and an affine correction restores the
    statistics (Klambauer et al., 2017).
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of (N, C, *) input: a dropped channel takes SELU's
    negative saturation value throughout."""

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training)
