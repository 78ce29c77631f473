"""``GradientClipping``: rescale the gradients whenever their total norm exceeds ``max_norm``."""

from __future__ import annotations

from feedforward.train.callback import Callback

__all__ = ["GradientClipping"]


class GradientClipping(Callback):
    """Clip the gradient norm after every backward pass (``nn.utils.clip_grad_norm_``).

    Args:
        max_norm: the largest total norm allowed.
        norm_type: the p of the p-norm (``float('inf')`` for the largest absolute value).

    The total norm before clipping of the last batch is kept in ``last_norm`` (a 0-d Tensor).
    """

    order = 0

    def __init__(self, max_norm: float, norm_type: float = 2.0) -> None:
        if max_norm <= 0:
            raise ValueError(f"GradientClipping: max_norm must be positive, got {max_norm}")
        self.max_norm, self.norm_type = float(max_norm), float(norm_type)
        self.last_norm = None

    def before_fit(self, learn) -> None:
        self._params = [p for p in learn.model.parameters() if p.requires_grad]

    def after_backward(self, learn) -> None:
        from feedforward.nn.utils import clip_grad_norm_

        self.last_norm = clip_grad_norm_(self._params, self.max_norm, self.norm_type)
