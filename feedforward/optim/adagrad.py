"""Adagrad: per-coordinate learning rates from the sum of squared gradients (Duchi et al., 2011)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.optim._arrays import addcdiv_, effective_grad, with_steps
from feedforward.optim.optimizer import (
    Optimizer,
    ParamsT,
    _check,
    _check_lr,
    _closure_loss,
    _scalar_tensor,
    _state_arrays,
    _to_float,
)
from feedforward.tensor import Tensor

__all__ = ["Adagrad", "adagrad"]


class Adagrad(Optimizer):
    """Adagrad.

    Update rule, for each parameter theta with gradient g at step t (lr = gamma,
    lr_decay = eta, weight_decay = lambda; the sum s starts at initial_accumulator_value)::

        g = -g                          if maximize
        g = g + lambda * theta          if lambda != 0
        gamma_t = gamma / (1 + (t - 1) * eta)
        s = s + g^2
        theta = theta - gamma_t * g / (sqrt(s) + eps)

    State per parameter: ``step`` and ``sum`` (s), created when the optimizer is constructed.

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: learning rate. Default: 1e-2.
        lr_decay: learning rate decay. Default: 0.
        weight_decay: L2 penalty. Default: 0.
        initial_accumulator_value: starting value of the sums of squares. Default: 0.
        eps: added to the denominator for numerical stability. Default: 1e-10.
        maximize: maximize the objective instead of minimizing. Default: False.
        foreach, fused: accepted for torch compatibility; no effect here.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.Adagrad(model.parameters(), lr=0.1)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        _check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(
            0.0 <= initial_accumulator_value,
            f"Invalid initial_accumulator_value value: {initial_accumulator_value}",
        )
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch makes Adagrad's state up front
            for p in group["params"]:
                self.state[p].update(self._initial_state(p, group["initial_accumulator_value"]))

    @staticmethod
    def _initial_state(p: Tensor, initial_value: float) -> dict[str, Tensor]:
        state_sum = np.full_like(p._data, initial_value)
        return {"step": _scalar_tensor(0.0), "sum": Tensor._make(state_sum, False, None)}

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Tensor]:
        # A group added after construction: torch starts its sums at the default value here.
        return self._initial_state(p, self.defaults["initial_accumulator_value"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group, params in self._groups_to_update():
            states = self._param_states(group, params)
            adagrad(
                [p._data for p in params],
                [p.grad._data for p in params],
                _state_arrays(states, "sum"),
                _state_arrays(states, "step"),
                lr=_to_float(group["lr"]),
                weight_decay=group["weight_decay"],
                lr_decay=group["lr_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
            )
        return loss


def adagrad(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    state_sums: list[np.ndarray],
    state_steps: list[np.ndarray],
    *,
    lr: float,
    weight_decay: float,
    lr_decay: float,
    eps: float,
    maximize: bool,
) -> None:
    """The Adagrad update on arrays, in place."""
    for step, param, grad, state_sum in with_steps(state_steps, params, grads, state_sums):
        grad = effective_grad(param, grad, weight_decay, maximize)
        clr = lr / (1 + (step - 1) * lr_decay)
        std = np.multiply(grad, grad)
        state_sum += std
        np.sqrt(state_sum, out=std)
        std += eps
        addcdiv_(param, grad, std, -clr)
