"""ASGD: stochastic gradient descent with a decaying step and, from step t0 on, a running
average of the iterates, which converges faster than the iterates themselves (Polyak and
Juditsky, 1992)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.optim._arrays import effective_grad, with_steps
from feedforward.optim.optimizer import (
    Optimizer,
    ParamsT,
    _check,
    _check_lr,
    _closure_loss,
    _scalar_dtype,
    _scalar_tensor,
    _state_arrays,
    _to_float,
    _zeros_like,
)
from feedforward.tensor import Tensor

__all__ = ["ASGD", "asgd"]


class ASGD(Optimizer):
    """Averaged stochastic gradient descent.

    Update rule, for each parameter theta with gradient g at step t (lr = gamma, weight_decay =
    w; eta starts at gamma, mu at 1, the average a at 0)::

        g = -g                          if maximize
        g = g + w * theta               if w != 0
        theta = theta (1 - lambd eta) - eta g
        a = theta                       if mu == 1
        a = a + mu (theta - a)          otherwise
        eta = gamma / (1 + lambd gamma t)^alpha
        mu = 1 / max(1, t - t0)

    The average is the state's ``ax``; the parameters themselves keep the plain iterates. State
    per parameter: ``step``, ``eta``, ``mu`` and ``ax``, made at the first step.

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: learning rate. Default: 1e-2.
        lambd: decay term. Default: 1e-4.
        alpha: power of the step's decay. Default: 0.75.
        t0: the step from which the average is taken. Default: 1e6.
        weight_decay: L2 penalty. Default: 0.
        maximize: maximize the objective instead of minimizing. Default: False.
        capturable, foreach: accepted for torch compatibility; no effect here.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.ASGD(model.parameters(), lr=0.01, t0=100)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Tensor]:
        return {
            "step": _scalar_tensor(0.0),
            "eta": _scalar_tensor(_to_float(group["lr"])),
            "mu": _scalar_tensor(1.0),
            "ax": _zeros_like(p),
        }

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group, params in self._groups_to_update():
            states = self._param_states(group, params)
            asgd(
                [p._data for p in params],
                [p.grad._data for p in params],
                _state_arrays(states, "ax"),
                _state_arrays(states, "eta"),
                _state_arrays(states, "mu"),
                _state_arrays(states, "step"),
                lr=_to_float(group["lr"]),
                lambd=group["lambd"],
                alpha=group["alpha"],
                t0=group["t0"],
                weight_decay=group["weight_decay"],
                maximize=group["maximize"],
            )
        return loss


def asgd(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    axs: list[np.ndarray],
    etas: list[np.ndarray],
    mus: list[np.ndarray],
    state_steps: list[np.ndarray],
    *,
    lr: float,
    lambd: float,
    alpha: float,
    t0: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """The ASGD update on arrays, in place, as torch's. ``etas`` and ``mus`` are 0-d arrays of
    the state's scalar dtype: the rounded values are the ones used, as torch's ``item()``."""
    for step, param, grad, ax, eta_t, mu_t in with_steps(
        state_steps, params, grads, axs, etas, mus
    ):
        grad = effective_grad(param, grad, weight_decay, maximize)
        eta, mu = eta_t.item(), mu_t.item()
        param *= 1 - lambd * eta
        param -= grad * eta
        if mu != 1:
            difference = param - ax
            difference *= mu
            ax += difference
        else:
            ax[...] = param
        # rounded to the counters' dtype, as torch's as_tensor, also where loading a state_dict
        # made eta and mu the parameter's dtype
        eta_t.fill(np.asarray(lr / ((1 + lambd * lr * step) ** alpha), _scalar_dtype()))
        mu_t.fill(np.asarray(1 / max(1, step - t0), _scalar_dtype()))
