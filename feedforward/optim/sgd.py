"""Stochastic gradient descent, optionally with momentum (heavy-ball or Nesterov)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.optim import _fused
from feedforward.optim._arrays import effective_grad
from feedforward.optim.optimizer import (
    Optimizer,
    ParamsT,
    _check,
    _check_lr,
    _closure_loss,
    _to_float,
)
from feedforward.tensor import Tensor

__all__ = ["SGD", "sgd"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum).

    Update rule, for each parameter theta with gradient g at step t (lr = gamma, momentum = mu,
    dampening = tau, weight_decay = lambda)::

        g = -g                          if maximize
        g = g + lambda * theta          if lambda != 0
        if mu != 0:
            b = g                                   at t = 1
            b = mu * b + (1 - tau) * g              afterwards
            g = g + mu * b                  if nesterov
            g = b                           otherwise
        theta = theta - gamma * g

    The momentum buffer ``b`` is kept in ``state[p]['momentum_buffer']``. This is torch's (and
    Sutskever et al.'s) form, where the learning rate multiplies the buffer rather than the
    gradient inside it.

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: learning rate. Default: 1e-3.
        momentum: momentum factor. Default: 0.
        dampening: dampening for momentum. Default: 0.
        weight_decay: L2 penalty. Default: 0.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0). Default: False.
        maximize: maximize the objective instead of minimizing. Default: False.
        foreach, fused: accepted for torch compatibility; there is one NumPy implementation.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad()
        >>> loss_fn(model(x), y).backward()
        >>> opt.step()
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _momentum_buffers(self, params: list[Tensor]) -> list[np.ndarray | None]:
        """Each parameter's momentum buffer, None before its first step with momentum (torch
        makes the buffer in the update, from the first gradient)."""
        buffers = (self.state[p].get("momentum_buffer") for p in params)
        return [None if buf is None else buf._data for buf in buffers]

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group, params in self._groups_to_update():
            use_momentum = group["momentum"] != 0
            buffers = self._momentum_buffers(params) if use_momentum else []
            sgd(
                [p._data for p in params],
                [p.grad._data for p in params],
                buffers,
                weight_decay=group["weight_decay"],
                momentum=group["momentum"],
                lr=_to_float(group["lr"]),
                dampening=group["dampening"],
                nesterov=group["nesterov"],
                maximize=group["maximize"],
            )
            if use_momentum:
                for p, buf in zip(params, buffers):  # buffers made this step join the state
                    state = self.state[p]
                    if state.get("momentum_buffer") is None:
                        state["momentum_buffer"] = Tensor._make(buf, False, None)
        return loss


def sgd(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    momentum_buffers: list[np.ndarray | None],
    *,
    weight_decay: float,
    momentum: float,
    lr: float,
    dampening: float,
    nesterov: bool,
    maximize: bool,
) -> None:
    """The SGD update on arrays, in place. ``momentum_buffers[i]`` is None before the first step
    with momentum; the new buffer is put into the list."""
    options = dict(
        weight_decay=weight_decay,
        momentum=momentum,
        lr=lr,
        dampening=dampening,
        nesterov=nesterov,
        maximize=maximize,
    )
    if _fused.sgd_each(params, grads, momentum_buffers, **options):  # compiled, with Numba
        return
    for i, param in enumerate(params):
        buf = momentum_buffers[i] if momentum != 0 else None
        buf = sgd_update(param, grads[i], buf, **options)
        if momentum != 0:
            momentum_buffers[i] = buf


def sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    buf: np.ndarray | None,
    *,
    weight_decay: float,
    momentum: float,
    lr: float,
    dampening: float,
    nesterov: bool,
    maximize: bool,
) -> np.ndarray | None:
    """One SGD update of ``param`` (the rule in :class:`SGD`); returns the momentum buffer.

    ``buf`` None means the first step with momentum.
    """
    grad_in = grad
    grad = effective_grad(param, grad, weight_decay, maximize)
    if momentum != 0:
        if buf is None:
            buf = grad.copy() if grad is grad_in else grad
        else:
            buf *= momentum
            buf += grad if dampening == 0 else grad * (1 - dampening)
        if nesterov:
            nudge = buf * momentum
            grad = np.add(grad, nudge, out=nudge)
        else:
            grad = buf
    step = grad * lr
    param -= step
    return buf
