"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019)."""

from __future__ import annotations

from typing import Any

from feedforward.optim.adam import Adam
from feedforward.optim.optimizer import ParamsT
from feedforward.tensor import Tensor

__all__ = ["AdamW"]


class AdamW(Adam):
    """AdamW: weight decay shrinks the weights directly instead of entering the moment averages.

    Update rule, for each parameter theta with gradient g at step t (lr = gamma,
    betas = (beta1, beta2), weight_decay = lambda, moments m and v start at 0)::

        g = -g                                  if maximize
        theta = theta - gamma * lambda * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - beta1^t)
        v_max = max(v_max, v)                   if amsgrad
        v_hat = (v_max if amsgrad else v) / (1 - beta2^t)
        theta = theta - gamma * m_hat / (sqrt(v_hat) + eps)

    This is ``Adam(..., decoupled_weight_decay=True)`` with a default weight decay of 1e-2.

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: learning rate. Default: 1e-3.
        betas: decay rates of the first and second moment averages. Default: (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: decoupled weight decay coefficient. Default: 1e-2.
        amsgrad: use the AMSGrad variant. Default: False.
        maximize: maximize the objective instead of minimizing. Default: False.
        foreach, fused, capturable: accepted for torch compatibility; no effect here.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
