"""Adamax: Adam with the infinity norm in place of the second moment (Kingma & Ba, 2014)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.optim._arrays import addcdiv_, effective_grad, lerp_
from feedforward.optim.optimizer import (
    Optimizer,
    ParamsT,
    _bump_versions,
    _check,
    _check_betas,
    _check_lr,
    _closure_loss,
    _scalar_tensor,
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

    def _init_group(self, group: dict[str, Any], params: list[Tensor], state: dict) -> None:
        for p in group["params"]:
            if p.grad is None:
                continue
            params.append(p)
            s = self.state[p]
            if len(s) == 0:
                s["step"] = _scalar_tensor(0.0)
                s["exp_avg"] = _zeros_like(p)
                s["exp_inf"] = _zeros_like(p)
            state["exp_avgs"].append(s["exp_avg"]._data)
            state["exp_infs"].append(s["exp_inf"]._data)
            state["state_steps"].append(s["step"]._data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params: list[Tensor] = []
            state: dict[str, list] = {"exp_avgs": [], "exp_infs": [], "state_steps": []}
            self._init_group(group, params, state)
            beta1, beta2 = group["betas"]
            adamax(
                [p._data for p in params],
                [p.grad._data for p in params],
                **state,
                eps=group["eps"],
                beta1=beta1,
                beta2=beta2,
                lr=_to_float(group["lr"]),
                weight_decay=group["weight_decay"],
                maximize=group["maximize"],
            )
            _bump_versions(params)
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
    for i, param in enumerate(params):
        step_t = state_steps[i]
        step_t += 1
        grad = effective_grad(param, grads[i], weight_decay, maximize)
        exp_avg, exp_inf = exp_avgs[i], exp_infs[i]
        scratch = np.empty_like(param)

        lerp_(exp_avg, grad, 1 - beta1, scratch)
        exp_inf *= beta2
        np.abs(grad, out=scratch)
        scratch += eps
        np.maximum(exp_inf, scratch, out=exp_inf)

        clr = lr / (1 - beta1 ** float(step_t))
        addcdiv_(param, exp_avg, exp_inf, -clr)
