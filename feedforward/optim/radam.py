"""RAdam: Adam with the variance of its adaptive learning rate rectified, so the first steps,
where that variance is large, are plain momentum steps (Liu et al., 2020)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.optim._arrays import addcmul_, decoupled_grad, lerp_, with_steps
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

__all__ = ["RAdam", "radam"]


class RAdam(Optimizer):
    """RAdam.

    Update rule, for each parameter theta with gradient g at step t (lr = gamma, betas =
    (beta1, beta2), weight_decay = lambda; m and v start at 0)::

        g = -g                          if maximize
        theta = theta (1 - gamma lambda)    if lambda != 0 and decoupled_weight_decay
        g = g + lambda * theta              if lambda != 0 otherwise
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:
            l = sqrt(1 - beta2^t) / (sqrt(v) + eps)
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            theta = theta - gamma m_hat l r
        else:
            theta = theta - gamma m_hat

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_avg_sq`` (v), made at the first step.

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: learning rate. Default: 1e-3.
        betas: decay of the moving averages of the gradient and its square. Default: (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: weight decay. Default: 0.
        decoupled_weight_decay: decay the weights directly (as AdamW) instead of adding an L2
            term to the gradient. Default: False.
        maximize: maximize the objective instead of minimizing. Default: False.
        capturable, foreach: accepted for torch compatibility; no effect here.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.RAdam(model.parameters(), lr=1e-3)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
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
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Tensor]:
        return {
            "step": _scalar_tensor(0.0),
            "exp_avg": _zeros_like(p),
            "exp_avg_sq": _zeros_like(p),
        }

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group, params in self._groups_to_update():
            states = self._param_states(group, params)
            beta1, beta2 = group["betas"]
            radam(
                [p._data for p in params],
                [p.grad._data for p in params],
                _state_arrays(states, "exp_avg"),
                _state_arrays(states, "exp_avg_sq"),
                _state_arrays(states, "step"),
                lr=_to_float(group["lr"]),
                beta1=beta1,
                beta2=beta2,
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
                maximize=group["maximize"],
            )
        return loss


def radam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    state_steps: list[np.ndarray],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
) -> None:
    """The RAdam update on arrays, in place, in the order of torch's operations."""
    rho_inf = 2 / (1 - beta2) - 1  # the longest the approximated moving average can be
    for step, param, grad, exp_avg, exp_avg_sq in with_steps(
        state_steps, params, grads, exp_avgs, exp_avg_sqs
    ):
        grad = decoupled_grad(param, grad, lr, weight_decay, decoupled_weight_decay, maximize)
        scratch = np.empty_like(param)
        lerp_(exp_avg, grad, 1 - beta1, scratch)
        exp_avg_sq *= beta2
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2, scratch)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        update = exp_avg / bias_correction1
        update *= lr
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:  # the variance is tractable: rectify the adaptive learning rate
            np.sqrt(exp_avg_sq, out=scratch)
            scratch += eps
            np.reciprocal(scratch, out=scratch)  # torch's scalar / tensor is reciprocal * scalar
            scratch *= bias_correction2**0.5
            update *= scratch
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            update *= rect
        param -= update
