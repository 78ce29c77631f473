"""Weight averaging: ``AveragedModel`` keeps a running average of a model's weights, the
stochastic weight average (SWA; Izmailov et al., "Averaging Weights Leads to Wider Optima and
Better Generalization", UAI 2018) or an exponential moving average (EMA, a form of Polyak
averaging); ``SWALR`` anneals the lr to SWA's constant one; ``update_bn`` recomputes the
BatchNorm statistics of the averaged weights. As torch's ``torch.optim.swa_utils``::

    swa_model = AveragedModel(model)
    swa_scheduler = SWALR(optimizer, swa_lr=0.05)
    for epoch in range(300):
        train_one_epoch(model, optimizer)
        if epoch > 160:
            swa_model.update_parameters(model)
            swa_scheduler.step()
    update_bn(loader, swa_model)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any, Literal

from feedforward import creation
from feedforward import int64 as _int64
from feedforward.autograd.grad_mode import no_grad
from feedforward.nn.module import Module
from feedforward.nn.modules.batchnorm import _BatchNorm
from feedforward.nn.modules.instancenorm import _InstanceNorm
from feedforward.optim.lr_scheduler import (
    LRScheduler,
    _format_param,
    _warn_get_lr_called_within_step,
)
from feedforward.optim.optimizer import Optimizer
from feedforward.tensor import Tensor

__all__ = [
    "AveragedModel",
    "update_bn",
    "SWALR",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]

ParamList = tuple[Tensor, ...] | list[Tensor]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[ParamList, ParamList, Any], None]:
    """The EMA update of a list of averaged tensors, in place::

        W_ema = decay * W_ema + (1 - decay) * W_model       (as a lerp by 1 - decay)

    Args:
        decay: in [0, 1]. Default: 0.999.
    """
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list: ParamList, current_param_list: ParamList, _: Any) -> None:
        if ema_param_list[0].is_floating_point():
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                p_ema.lerp_(p_model, 1 - decay)
        else:  # (lerp takes floating point only)
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[ParamList, ParamList, Tensor | int], None]:
    """The SWA update of a list of averaged tensors, in place, the equal-weight mean of the
    ``num_averaged + 1`` models seen::

        W_swa = W_swa + (W_model - W_swa) / (num_averaged + 1)      (as a lerp)

    A tensor ``num_averaged`` (AveragedModel's) makes the weight 1 / (n + 1) a tensor of the
    default dtype, as in torch.
    """

    @no_grad()
    def swa_update(
        averaged_param_list: ParamList, current_param_list: ParamList, num_averaged: Tensor | int
    ) -> None:
        if averaged_param_list[0].is_floating_point():
            weight = float(1 / (num_averaged + 1))
            for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                p_avg.lerp_(p_model, weight)
        else:
            diffs = [c - a for a, c in zip(averaged_param_list, current_param_list, strict=True)]
            for p_avg, diff in zip(averaged_param_list, diffs):
                if isinstance(num_averaged, Tensor):
                    p_avg.addcdiv_(diff, num_averaged + 1)
                else:
                    p_avg.add_(diff, alpha=1.0 / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The EMA of one tensor: returns ``decay * W_ema + (1 - decay) * W_model``.

    Args:
        decay: in [0, 1]. Default: 0.999.
    """
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Tensor | int], Tensor]:
    """The SWA of one tensor: returns ``W_swa + (W_model - W_swa) / (num_averaged + 1)``."""

    @no_grad()
    def swa_update(
        averaged_param: Tensor, current_param: Tensor, num_averaged: Tensor | int
    ) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _group_by_dtype(
    averaged: list[Tensor], current: list[Tensor]
) -> dict[Any, tuple[list[Tensor], list[Tensor]]]:
    """The pairs of tensors grouped by the averaged one's dtype, in first-seen order (torch
    groups by device and dtype; there is one device here)."""
    groups: dict[Any, tuple[list[Tensor], list[Tensor]]] = {}
    for a, c in zip(averaged, current):
        group = groups.setdefault(a.dtype, ([], []))
        group[0].append(a)
        group[1].append(c)
    return groups


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and, with ``use_buffers``, buffers) are a running
    average of ``model``'s, updated by :meth:`update_parameters`.

    The first update copies the model's values; each later one applies ``avg_fn(averaged,
    current, n_averaged)`` to each tensor (its result is copied in), or ``multi_avg_fn`` to the
    lists of them (in place). With neither, the equal-weight SWA mean (see
    :func:`get_swa_avg_fn`). ``n_averaged`` (a long buffer) counts the updates. Without
    ``use_buffers`` the copy's buffers (BatchNorm's statistics) follow the model's: recompute
    them for the averaged weights with :func:`update_bn`.

    Args:
        model: the module to average.
        device: where to put the copy (only ``"cpu"`` here).
        avg_fn: per-tensor averaging function (e.g. ``get_ema_avg_fn(0.99)``).
        multi_avg_fn: in-place averaging function over lists (e.g. ``get_ema_multi_avg_fn()``).
        use_buffers: average the buffers too, instead of copying them. Default: False.

    Example:
        >>> ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
        >>> ema_model.update_parameters(model)    # after each optimizer step
    """

    n_averaged: Tensor

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: Callable[[Tensor, Tensor, Tensor | int], Tensor] | None = None,
        multi_avg_fn: Callable[[ParamList, ParamList, Tensor | int], None] | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", creation.tensor(0, dtype=_int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s current parameters (and buffers, with ``use_buffers``) in."""
        if self.use_buffers:
            self_param = itertools.chain(self.module.parameters(), self.module.buffers())
            model_param = itertools.chain(model.parameters(), model.buffers())
        else:
            self_param, model_param = self.parameters(), model.parameters()
        self_detached: list[Tensor] = []
        model_detached: list[Tensor] = []
        copy_param = bool(self.n_averaged == 0)
        for p_averaged, p_model in zip(self_param, model_param, strict=False):
            p_model_ = p_model.detach()
            self_detached.append(p_averaged.detach())
            model_detached.append(p_model_)
            if copy_param:
                p_averaged.detach().copy_(p_model_)

        if self.n_averaged > 0:
            if self.multi_avg_fn is not None or self.avg_fn is None:
                for self_params, model_params in _group_by_dtype(
                    self_detached, model_detached
                ).values():
                    if self.multi_avg_fn:
                        self.multi_avg_fn(self_params, model_params, self.n_averaged)
                    else:  # torch's path on the CPU: per tensor
                        avg_fn = get_swa_avg_fn()
                        for p_averaged, p_model in zip(self_params, model_params, strict=True):
                            p_averaged.copy_(avg_fn(p_averaged, p_model, self.n_averaged))
            else:
                for p_averaged, p_model in zip(self_detached, model_detached, strict=True):
                    p_averaged.detach().copy_(
                        self.avg_fn(p_averaged.detach(), p_model, self.n_averaged)
                    )

        if not self.use_buffers:  # the buffers are the model's
            for b_swa, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_swa.detach().copy_(b_model.detach())
        self.n_averaged += 1


@no_grad()
def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running mean and variance of every BatchNorm layer of ``model`` with one
    pass over ``loader``, each batch weighted equally (momentum None for the pass; the layers'
    momenta and the model's train/eval mode are restored after).

    Args:
        loader: batches, each a tensor or a list/tuple whose first element is the input.
        model: the model (e.g. an :class:`AveragedModel`).
        device: where to move each batch first.
    """
    momenta = {}
    for module in model.modules():
        # (ff's instance norms derive from _BatchNorm; torch's, which it skips, do not)
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return

    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for input in loader:
        if isinstance(input, list | tuple):
            input = input[0]
        if device is not None:
            input = input.to(device)
        model(input)
    for bn_module in momenta:
        bn_module.momentum = momenta[bn_module]
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each param group's lr to a fixed ``swa_lr`` over ``anneal_epochs`` epochs, then
    keeps it there (SWA's constant lr).

    At step s (t = s / anneal_epochs, clamped to [0, 1]) the lr is the mix
    ``swa_lr * alpha(t) + lr_0 * (1 - alpha(t))`` of the group's lr when annealing began and
    ``swa_lr``, with alpha(t) = t ("linear") or (1 - cos(pi t)) / 2 ("cos"); lr_0 is recovered
    from the current lr each step, so it is chainable as torch's.

    Args:
        optimizer: the optimizer.
        swa_lr: the lr to anneal to, one for all groups or a list of one per group.
        anneal_epochs: epochs of annealing (0: at once). Default: 10.
        anneal_strategy: ``"cos"`` or ``"linear"``. Default: ``"cos"``.
        last_epoch: index of the last epoch. Default: -1.

    Example:
        >>> swa_scheduler = SWALR(opt, swa_lr=0.05, anneal_epochs=5, anneal_strategy="linear")
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float,
        anneal_epochs: int = 10,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        last_epoch: int = -1,
    ) -> None:
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups, strict=True):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        """lr_0 from the current lr = swa_lr * alpha + lr_0 * (1 - alpha)."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[float | Tensor]:
        _warn_get_lr_called_within_step(self)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        groups = self.optimizer.param_groups
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [
            group["swa_lr"] * alpha + lr * (1 - alpha)
            for group, lr in zip(groups, prev_lrs, strict=True)
        ]

    def _set_anneal_func(self, anneal_strategy: Literal["cos", "linear"]) -> None:
        self._anneal_strategy = anneal_strategy
        if anneal_strategy == "cos":
            self.anneal_func = self._cosine_anneal
        else:
            self.anneal_func = self._linear_anneal

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer and the anneal function."""
        return {
            key: value
            for key, value in self.__dict__.items()
            if key not in ("optimizer", "anneal_func")
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
