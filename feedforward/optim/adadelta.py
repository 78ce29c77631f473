"""Adadelta: per-coordinate steps from running averages of squared gradients and squared updates,
so the step has the parameter's units and needs no tuned learning rate (Zeiler, 2012)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.optim._arrays import addcmul_, effective_grad, with_steps
from feedforward.optim.optimizer import (
    Optimizer,
    ParamsT,
    _check,
    _check_lr,
    _closure_loss,
    _scalar_tensor,
    _state_arrays,
    _to_float,
    _zeros_like,
)
from feedforward.tensor import Tensor

__all__ = ["Adadelta", "adadelta"]


class Adadelta(Optimizer):
    """Adadelta.

    Update rule, for each parameter theta with gradient g (lr = gamma, weight_decay = lambda;
    v and u, the averages of squared gradients and of squared updates, start at 0)::

        g = -g                          if maximize
        g = g + lambda * theta          if lambda != 0
        v = rho * v + (1 - rho) * g^2
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d^2
        theta = theta - gamma * d

    State per parameter: ``step``, ``square_avg`` (v) and ``acc_delta`` (u), made at the first
    step.

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: scales the update before it is applied. Default: 1.0.
        rho: the averages' decay. Default: 0.9.
        eps: added inside both square roots. Default: 1e-6.
        weight_decay: L2 penalty. Default: 0.
        maximize: maximize the objective instead of minimizing. Default: False.
        capturable, foreach: accepted for torch compatibility; no effect here.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.Adadelta(model.parameters())
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Tensor]:
        return {
            "step": _scalar_tensor(0.0),
            "square_avg": _zeros_like(p),
            "acc_delta": _zeros_like(p),
        }

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group, params in self._groups_to_update():
            states = self._param_states(group, params)
            adadelta(
                [p._data for p in params],
                [p.grad._data for p in params],
                _state_arrays(states, "square_avg"),
                _state_arrays(states, "acc_delta"),
                _state_arrays(states, "step"),
                lr=_to_float(group["lr"]),
                rho=group["rho"],
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                maximize=group["maximize"],
            )
        return loss


def adadelta(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    square_avgs: list[np.ndarray],
    acc_deltas: list[np.ndarray],
    state_steps: list[np.ndarray],
    *,
    lr: float,
    rho: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """The Adadelta update on arrays, in place, in the order of torch's operations."""
    for _, param, grad, square_avg, acc_delta in with_steps(
        state_steps, params, grads, square_avgs, acc_deltas
    ):
        grad = effective_grad(param, grad, weight_decay, maximize)
        scratch = np.empty_like(param)
        square_avg *= rho
        addcmul_(square_avg, grad, grad, 1 - rho, scratch)
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(acc_delta + eps)
        delta /= std
        delta *= grad
        acc_delta *= rho
        addcmul_(acc_delta, delta, delta, 1 - rho, scratch)
        param -= delta * lr
