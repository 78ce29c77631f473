"""Distance layers: each stores its options and calls the function of ``functional``."""

from __future__ import annotations

from feedforward.nn import functional as F
from feedforward.nn.module import Module
from feedforward.tensor import Tensor

__all__ = ["PairwiseDistance", "CosineSimilarity"]


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


class CosineSimilarity(Module):
    """The cosine of the angle between x1 and x2 along ``dim`` (broadcast together):
    x1 · x2 / (max(||x1||, eps) max(||x2||, eps)).

    Args:
        dim: the dim the vectors lie along. Default: 1.
        eps: the smallest norm divided by. Default: 1e-8.
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
