"""Adamax: Adam with the infinity norm in place of the second moment (Kingma & Ba, 2014)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.optim._arrays import addcdiv_, effective_grad, lerp_, with_steps
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

__all__ = ["Adamax", "adamax"]


class Adamax(Optimizer):
    """Adamax.

    Update rule, for each parameter theta with gradient g at step t (lr = gamma,
    betas = (beta1, beta2), weight_decay = lambda; m and u start at 0)::

        g = -g                          if maximize
        g = g + lambda * theta          if lambda != 0
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        theta = theta - gamma * m / ((1 - beta1^t) * u)

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: learning rate. Default: 2e-3.
        betas: decay rates of the gradient average and of the infinity norm. Default: (0.9, 0.999).
        eps: added to |g| for numerical stability. Default: 1e-8.
        weight_decay: L2 penalty. Default: 0.
        maximize: maximize the objective instead of minimizing. Default: False.
        foreach, capturable: accepted for torch compatibility; no effect here.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.Adamax(model.parameters())
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
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
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Tensor]:
        return {"step": _scalar_tensor(0.0), "exp_avg": _zeros_like(p), "exp_inf": _zeros_like(p)}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group, params in self._groups_to_update():
            states = self._param_states(group, params)
            beta1, beta2 = group["betas"]
            adamax(
                [p._data for p in params],
                [p.grad._data for p in params],
                _state_arrays(states, "exp_avg"),
                _state_arrays(states, "exp_inf"),
                _state_arrays(states, "step"),
                eps=group["eps"],
                beta1=beta1,
                beta2=beta2,
                lr=_to_float(group["lr"]),
                weight_decay=group["weight_decay"],
                maximize=group["maximize"],
            )
        return loss


def adamax(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_infs: list[np.ndarray],
    state_steps: list[np.ndarray],
    *,
    eps: float,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """The Adamax update on arrays, in place."""
    per_param = with_steps(state_steps, params, grads, exp_avgs, exp_infs)
    for step, param, grad, exp_avg, exp_inf in per_param:
        grad = effective_grad(param, grad, weight_decay, maximize)
        scratch = np.empty_like(param)

        lerp_(exp_avg, grad, 1 - beta1, scratch)
        exp_inf *= beta2
        np.abs(grad, out=scratch)
        scratch += eps
        np.maximum(exp_inf, scratch, out=exp_inf)

        clr = lr / (1 - beta1**step)
        addcdiv_(param, exp_avg, exp_inf, -clr)
