"""Distance layers: each stores its options and calls the function of ``functional``."""

from __future__ import annotations

from feedforward.nn import functional as F
from feedforward.nn.module import Module
from feedforward.tensor import Tensor

__all__ = ["PairwiseDistance"]


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p over the last dim (x1 and x2 broadcast together).

    Args:
        p: the norm's order. Default: 2.
        eps: added to the difference, so that the norm's gradient stays finite at x1 = x2.
        keepdim: keep the last dim (of size 1). Default: False.
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
