"""RMSprop: divide the gradient by a running root-mean-square of recent gradients (Hinton)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.optim._arrays import addcdiv_, addcmul_, count_step, effective_grad, lerp_
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

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(Optimizer):
    """RMSprop, optionally centered and with momentum.

    Update rule, for each parameter theta with gradient g (lr = gamma, weight_decay = lambda,
    momentum = mu; v, g_avg and b start at 0)::

        g = -g                          if maximize
        g = g + lambda * theta          if lambda != 0
        v = alpha * v + (1 - alpha) * g^2
        g_avg = alpha * g_avg + (1 - alpha) * g     if centered
        d = sqrt(v - g_avg^2) + eps     if centered
        d = sqrt(v) + eps               otherwise
        if mu > 0:
            b = mu * b + g / d
            theta = theta - gamma * b
        else:
            theta = theta - gamma * g / d

    State per parameter: ``step``, ``square_avg`` (v), ``momentum_buffer`` (b, when momentum > 0)
    and ``grad_avg`` (when centered).

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: learning rate. Default: 1e-2.
        alpha: smoothing constant. Default: 0.99.
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: L2 penalty. Default: 0.
        momentum: momentum factor. Default: 0.
        centered: normalize by an estimate of the gradient's variance. Default: False.
        maximize: maximize the objective instead of minimizing. Default: False.
        capturable, foreach: accepted for torch compatibility; no effect here.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.RMSprop(model.parameters(), lr=1e-3, momentum=0.9, centered=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Tensor]:
        state = {"step": _scalar_tensor(0.0), "square_avg": _zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = _zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = _zeros_like(p)
        return state

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group, params in self._groups_to_update():
            states = self._param_states(group, params)
            rmsprop(
                [p._data for p in params],
                [p.grad._data for p in params],
                _state_arrays(states, "square_avg"),
                _state_arrays(states, "grad_avg", group["centered"]),
                _state_arrays(states, "momentum_buffer", group["momentum"] > 0),
                _state_arrays(states, "step"),
                lr=_to_float(group["lr"]),
                alpha=group["alpha"],
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                momentum=group["momentum"],
                centered=group["centered"],
                maximize=group["maximize"],
            )
        return loss


def rmsprop(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    square_avgs: list[np.ndarray],
    grad_avgs: list[np.ndarray | None],
    momentum_buffers: list[np.ndarray | None],
    state_steps: list[np.ndarray],
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
) -> None:
    """The RMSprop update on arrays, in place."""
    for i, param in enumerate(params):
        count_step(state_steps[i])
        grad = effective_grad(param, grads[i], weight_decay, maximize)
        square_avg = square_avgs[i]
        avg = np.empty_like(param)  # scratch, then the denominator

        square_avg *= alpha
        addcmul_(square_avg, grad, grad, 1 - alpha, avg)
        if centered:
            grad_avg = grad_avgs[i]
            lerp_(grad_avg, grad, 1 - alpha, avg)
            np.multiply(grad_avg, grad_avg, out=avg)
            np.subtract(square_avg, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(square_avg, out=avg)
        avg += eps

        if momentum > 0:
            buf = momentum_buffers[i]
            buf *= momentum
            np.divide(grad, avg, out=avg)
            buf += avg
            param -= buf * lr
        else:
            addcdiv_(param, grad, avg, -lr)
