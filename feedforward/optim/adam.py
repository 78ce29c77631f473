"""Adam: adaptive moment estimation (Kingma & Ba, 2014), with the AMSGrad variant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.optim import _fused
from feedforward.optim._arrays import (
    addcdiv_,
    addcmul_,
    decoupled_grad,
    lerp_,
    with_steps,
)
from feedforward.optim._flat import FLAT_MAX, PIECE, chunks, flat_group, in_chunks
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

__all__ = ["Adam", "adam"]


class Adam(Optimizer):
    """Adam, optionally with AMSGrad and decoupled (AdamW-style) weight decay.

    Update rule, for each parameter theta with gradient g at step t (lr = gamma,
    betas = (beta1, beta2), weight_decay = lambda, moments m and v start at 0)::

        g = -g                                  if maximize
        theta = theta * (1 - gamma * lambda)    if lambda != 0 and decoupled_weight_decay
        g = g + lambda * theta                  if lambda != 0 otherwise
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - beta1^t)
        v_max = max(v_max, v)                   if amsgrad (v_max starts at 0)
        v_hat = (v_max if amsgrad else v) / (1 - beta2^t)
        theta = theta - gamma * m_hat / (sqrt(v_hat) + eps)

    State per parameter: ``step`` (a 0-d float tensor), ``exp_avg`` (m), ``exp_avg_sq`` (v) and,
    with amsgrad, ``max_exp_avg_sq``.

    Args:
        params: tensors (or param-group dicts) to optimize.
        lr: learning rate. Default: 1e-3.
        betas: decay rates of the first and second moment averages. Default: (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: weight decay (L2 penalty, or decoupled, see below). Default: 0.
        amsgrad: use the AMSGrad variant (Reddi et al., 2018). Default: False.
        maximize: maximize the objective instead of minimizing. Default: False.
        decoupled_weight_decay: decay the weights directly, as AdamW does. Default: False.
        foreach, fused, capturable: accepted for torch compatibility; no effect here.
        differentiable: must be False.

    Example:
        >>> opt = ff.optim.Adam(model.parameters(), lr=1e-3)
        >>> opt.zero_grad()
        >>> loss_fn(model(x), y).backward()
        >>> opt.step()
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_lr(lr)
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        both_floats = isinstance(betas[0], float) and isinstance(betas[1], float)
        both_tensors = isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor)
        _check(both_floats or both_tensors, "betas must be either both floats or both Tensors")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Tensor]:
        state = {
            "step": _scalar_tensor(0.0),
            "exp_avg": _zeros_like(p),
            "exp_avg_sq": _zeros_like(p),
        }
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _zeros_like(p)
        return state

    @staticmethod
    def _options(group: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments of ``adam`` and ``adam_update`` for a param group."""
        beta1, beta2 = group["betas"]
        return dict(
            amsgrad=group["amsgrad"],
            beta1=_to_float(beta1),
            beta2=_to_float(beta2),
            lr=_to_float(group["lr"]),
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            maximize=group["maximize"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
        )

    def _flat_step(
        self, group: dict[str, Any], params: list[Tensor], steps: list, options: dict[str, Any]
    ) -> bool:
        """Update a small group as one vector (see ``_flat``); False when it does not qualify."""
        if len(params) != len(group["params"]):
            return False  # a parameter without a gradient: per parameter
        before = steps[0].item()
        for s in steps:
            if s.item() != before:
                return False  # steps out of step (e.g. a state loaded in part): per parameter
        names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())
        cache = self.__dict__.setdefault("_flat_groups", {})
        # a compiled update costs ~4 us a call: gathering into one vector pays only for small groups
        limit = _fused.FLAT_MAX if _fused.available() else FLAT_MAX
        flat = flat_group(cache, id(group), params, self.state, names, limit)
        if flat is None:
            return False
        for s in steps:  # each counter += 1, as count_step does, and the same for all
            s.fill(before + 1)
        step = steps[0].item()
        flat.gather(params)
        buffers = flat.buffers
        arrays = (flat.values, flat.grads, buffers["exp_avg"], buffers["exp_avg_sq"])
        arrays += (buffers.get("max_exp_avg_sq"),)
        if not _fused.adam(*arrays, step, **options):  # without Numba: NumPy, L2-sized pieces
            for *piece, denom, tmp in chunks(*arrays, *flat.scratch, size=PIECE):
                adam_update(*piece, step, **options, scratch=(denom, tmp))
        flat.scatter(params)
        return True

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when one is given."""
        loss = _closure_loss(closure)
        for group, params in self._groups_to_update():
            states = self._param_states(group, params)
            steps = _state_arrays(states, "step")
            options = self._options(group)
            if self._flat_step(group, params, steps, options):
                continue
            adam(
                [p._data for p in params],
                [p.grad._data for p in params],
                _state_arrays(states, "exp_avg"),
                _state_arrays(states, "exp_avg_sq"),
                _state_arrays(states, "max_exp_avg_sq", group["amsgrad"]),
                steps,
                **options,
            )
        return loss


def adam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    max_exp_avg_sqs: list[np.ndarray | None],
    state_steps: list[np.ndarray],
    *,
    amsgrad: bool,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    decoupled_weight_decay: bool = False,
) -> None:
    """The Adam update on arrays, in place (``state_steps`` are 0-d counters, incremented here).

    Each parameter is updated in one compiled pass when Numba is installed (``_fused``), else
    large ones in cache-sized chunks shared between the cores (the same result either way).
    """
    options = dict(
        amsgrad=amsgrad,
        beta1=beta1,
        beta2=beta2,
        lr=lr,
        weight_decay=weight_decay,
        eps=eps,
        maximize=maximize,
        decoupled_weight_decay=decoupled_weight_decay,
    )
    per_param = (params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs)
    if _fused.adam_each(*per_param, state_steps, **options):  # one compiled pass each, with Numba
        return
    for step, *arrays in with_steps(state_steps, *per_param):
        in_chunks(adam_update, arrays, step, **options)


def adam_update(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    step: float,
    *,
    amsgrad: bool,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    decoupled_weight_decay: bool,
    scratch: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """One Adam update of ``param`` at step ``step`` (the update rule in :class:`Adam`)."""
    grad = decoupled_grad(param, grad, lr, weight_decay, decoupled_weight_decay, maximize)
    denom, tmp = scratch if scratch is not None else (np.empty_like(param), None)

    lerp_(exp_avg, grad, 1 - beta1, denom)
    exp_avg_sq *= beta2
    addcmul_(exp_avg_sq, grad, grad, 1 - beta2, denom)

    # Bias corrections are Python floats, as in torch's default (non-capturable) path.
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        np.sqrt(max_exp_avg_sq, out=denom)
    else:
        np.sqrt(exp_avg_sq, out=denom)
    denom /= bias_correction2_sqrt
    denom += eps
    addcdiv_(param, exp_avg, denom, -step_size, tmp)
