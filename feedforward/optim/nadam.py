"""NAdam: Adam with Nesterov momentum (Dozat, 2016)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.optim._arrays import addcdiv_, addcmul_, decoupled_grad, lerp_, with_steps
from feedforward.optim.optimizer import (
    Optimizer,
    ParamsT,
    _check,
    _check_betas,
    _check_lr,
    _closure_loss,
    _scalar_tensor,
    _state_arrays,
    _to_float,
    _zeros_like,
)
from feedforward.tensor import Tensor

__all__ = ["NAdam", "nadam"]


class NAdam(Optimizer):
    """NAdam.

    Update rule, for each parameter theta with gradient g at step t (lr = gamma,
    betas = (beta1, beta2), weight_decay = lambda, momentum_decay = psi; m, v start at 0 and
    the product P of the mu's at 1)::

        g = -g                                  if maximize
        theta = theta * (1 - gamma * lambda)    if lambda != 0 and decoupled_weight_decay
        g = g + lambda * theta                  if lambda != 0 otherwise
        mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi))
        mu_next = beta1 * (1 - 0.5 * 0.96^((t + 1) * psi))
        P = P * mu_t
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        d = sqrt(v / (1 - beta2^t)) + eps
        theta = theta - gamma * (1 - mu_t) / (1 - P) * g / d
                      - gamma * mu_next / (1 - P * mu_next) * m / d

    State per parameter: ``step``, ``mu_product`` (P, a 0-d tensor), ``exp_avg`` (m) and
    ``exp_avg_sq`` (v).

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: learning rate. Default: 2e-3.
        betas: decay rates of the first and second moment averages. Default: (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: weight decay (L2 penalty, or decoupled). Default: 0.
        momentum_decay: the psi above. Default: 4e-3.
        decoupled_weight_decay: decay the weights directly, as AdamW does. Default: False.
        maximize: maximize the objective instead of minimizing. Default: False.
        foreach, capturable: accepted for torch compatibility; no effect here.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.NAdam(model.parameters(), lr=2e-3)
    """

    _scalar_state = ("step", "mu_product")

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= momentum_decay, f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Tensor]:
        return {
            "step": _scalar_tensor(0.0),
            "mu_product": _scalar_tensor(1.0),
            "exp_avg": _zeros_like(p),
            "exp_avg_sq": _zeros_like(p),
        }

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group, params in self._groups_to_update():
            states = self._param_states(group, params)
            beta1, beta2 = group["betas"]
            nadam(
                [p._data for p in params],
                [p.grad._data for p in params],
                _state_arrays(states, "exp_avg"),
                _state_arrays(states, "exp_avg_sq"),
                _state_arrays(states, "mu_product"),
                _state_arrays(states, "step"),
                beta1=beta1,
                beta2=beta2,
                lr=_to_float(group["lr"]),
                weight_decay=group["weight_decay"],
                momentum_decay=group["momentum_decay"],
                eps=group["eps"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
                maximize=group["maximize"],
            )
        return loss


def nadam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    mu_products: list[np.ndarray],
    state_steps: list[np.ndarray],
    *,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    momentum_decay: float,
    eps: float,
    decoupled_weight_decay: bool,
    maximize: bool,
) -> None:
    """The NAdam update on arrays, in place (``mu_products`` are 0-d arrays, updated here)."""
    per_param = with_steps(state_steps, params, grads, exp_avgs, exp_avg_sqs, mu_products)
    for step, param, grad, exp_avg, exp_avg_sq, mu_product in per_param:
        grad = decoupled_grad(param, grad, lr, weight_decay, decoupled_weight_decay, maximize)
        denom = np.empty_like(param)  # scratch, then the denominator

        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product *= mu  # in the counter's own dtype, as torch keeps it a float tensor
        lerp_(exp_avg, grad, 1 - beta1, denom)
        exp_avg_sq *= beta2
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2, denom)
        np.divide(exp_avg_sq, 1 - beta2**step, out=denom)
        np.sqrt(denom, out=denom)
        denom += eps

        product = float(mu_product)
        addcdiv_(param, grad, denom, -lr * (1.0 - mu) / (1.0 - product))
        addcdiv_(param, exp_avg, denom, (-lr * mu_next) / (1.0 - product * mu_next))
