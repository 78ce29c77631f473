"""Rprop: resilient backpropagation, a step size per weight that grows while the gradient keeps
its sign and shrinks when it flips; only the gradient's sign is used (Riedmiller and Braun,
1993)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.ops._util import sign
from feedforward.optim._arrays import with_steps
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

__all__ = ["Rprop", "rprop"]


class Rprop(Optimizer):
    """Rprop.

    Update rule, for each parameter theta with gradient g (etas = (eta-, eta+), step_sizes =
    (s_min, s_max); each weight's step size s starts at lr, the previous gradient p at 0)::

        g = -g                          if maximize
        f = eta+ where g p > 0, eta- where g p < 0, 1 elsewhere
        s = clamp(s * f, s_min, s_max)
        g = 0 where g p < 0             (a sign flip: no step now, and no flip seen next time)
        theta = theta - sign(g) * s
        p = g

    State per parameter: ``step``, ``prev`` (p) and ``step_size`` (s), made at the first step.

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: every step size's first value. Default: 1e-2.
        etas: the factors that shrink and grow a step size (eta- < 1 < eta+). Default: (0.5, 1.2).
        step_sizes: the least and the largest step size. Default: (1e-6, 50).
        maximize: maximize the objective instead of minimizing. Default: False.
        capturable, foreach: accepted for torch compatibility; no effect here.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.Rprop(model.parameters())   # full-batch training
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Tensor]:
        step_size = np.full_like(p._data, _to_float(group["lr"]))
        return {
            "step": _scalar_tensor(0.0),
            "prev": _zeros_like(p),
            "step_size": Tensor._make(step_size, False, None),
        }

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group, params in self._groups_to_update():
            states = self._param_states(group, params)
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            rprop(
                [p._data for p in params],
                [p.grad._data for p in params],
                _state_arrays(states, "prev"),
                _state_arrays(states, "step_size"),
                _state_arrays(states, "step"),
                etaminus=etaminus,
                etaplus=etaplus,
                step_size_min=step_size_min,
                step_size_max=step_size_max,
                maximize=group["maximize"],
            )
        return loss


def rprop(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    prevs: list[np.ndarray],
    step_sizes: list[np.ndarray],
    state_steps: list[np.ndarray],
    *,
    etaminus: float,
    etaplus: float,
    step_size_min: float,
    step_size_max: float,
    maximize: bool,
) -> None:
    """The Rprop update on arrays, in place, as torch's."""
    for _, param, grad, prev, step_size in with_steps(
        state_steps, params, grads, prevs, step_sizes
    ):
        grad = np.negative(grad) if maximize else grad.copy()  # (written below)
        agreement = sign(grad * prev)
        factor = np.where(agreement > 0, etaplus, np.where(agreement < 0, etaminus, 1))
        step_size *= factor.astype(step_size.dtype)
        np.clip(step_size, step_size_min, step_size_max, out=step_size)
        grad[agreement < 0] = 0
        param -= sign(grad) * step_size
        prev[...] = grad
