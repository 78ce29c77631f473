"""``Optimizer``: the base class of every optimizer in ``feedforward.optim``.

An optimizer holds ``param_groups`` (a list of dicts: the tensors to update under ``"params"`` plus
that group's hyperparameters) and ``state`` (a dict keyed by parameter tensor with the buffers the
algorithm keeps, such as Adam's moment estimates). Subclasses validate their hyperparameters,
create state lazily on the first step, and hand NumPy arrays to a pure update function that writes
into the parameters in place, as torch's optimizers do with their ``_single_tensor_*`` functions.
The loop of every ``step`` is shared::

    for group, params in self._groups_to_update():  # params with gradients; versions bumped after
        states = self._param_states(group, params)  # made by the subclass's _new_state at first
        update([p._data for p in params], [p.grad._data for p in params], ..., lr=group["lr"])

``state_dict()`` / ``load_state_dict()`` use torch's layout, so checkpoints read the same::

    {'state': {0: {'step': tensor(3.), 'exp_avg': tensor(...), ...}, 1: {...}},
     'param_groups': [{'lr': 0.001, ..., 'params': [0, 1]}]}
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from copy import deepcopy
from itertools import chain
from typing import Any, TypeAlias

import numpy as np

from feedforward import _dtype
from feedforward.autograd.grad_mode import enable_grad
from feedforward.tensor import Tensor

__all__ = ["Optimizer", "required"]

ParamsT: TypeAlias = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]
StateDict: TypeAlias = dict[str, Any]


class _RequiredParameter:
    """Marks a hyperparameter every param group must give (it has no default)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


# ---------------------------------------------------------------------- helpers for subclasses


def _typename(obj: Any) -> str:
    """Name as in torch's messages: ``int``, ``numpy.ndarray``, ``feedforward.FloatTensor``."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _scalar_dtype() -> np.dtype:
    """dtype of the ``step`` counters: float64 if that is the default dtype, else float32."""
    return np.dtype("float64" if _dtype.get_default_dtype() is _dtype.float64 else "float32")


def _scalar_tensor(value: float) -> Tensor:
    """A 0-d counter tensor such as ``state['step']``."""
    return Tensor._make(np.array(value, dtype=_scalar_dtype()), False, None)


def _zeros_like(p: Tensor) -> Tensor:
    return Tensor._make(np.zeros_like(p._data), False, None)


def _to_float(x: float | Tensor) -> float:
    """A hyperparameter as a Python float (a 1-element Tensor lr is allowed, as in torch)."""
    return float(x.item()) if isinstance(x, Tensor) else x


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def _check_lr(lr: float | Tensor) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    _check(0.0 <= lr, f"Invalid learning rate: {lr}")


def _check_betas(betas: tuple[float, float]) -> None:
    _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
    _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")


def _closure_loss(closure: Callable[[], Any] | None) -> Any:
    """Re-evaluate the model with gradients on, as torch's ``step(closure)`` does."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def _state_arrays(
    states: list[dict[str, Tensor]], key: str, kept: bool = True
) -> list[np.ndarray | None]:
    """The array of ``state[key]`` for each parameter's state; all None when the optimizer does
    not keep that buffer with these settings (e.g. ``max_exp_avg_sq`` without amsgrad)."""
    if not kept:
        return [None] * len(states)
    return [s[key]._data for s in states]


# ---------------------------------------------------------------------- the base class


class Optimizer:
    """Base class for all optimizers.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts each holding a
            ``"params"`` entry and per-group hyperparameters that override ``defaults``. Give an
            ordered collection (a list, ``model.parameters()``), never a set.
        defaults: the hyperparameters a group gets when it does not give them.

    Example:
        >>> w = ff.zeros(3, requires_grad=True)
        >>> opt = ff.optim.SGD([{"params": [w], "lr": 0.1}], lr=0.01, momentum=0.9)
        >>> opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]
        (0.1, 0.9)
    """

    # State entries that are 0-d counters of _scalar_dtype(), never cast to the parameter's dtype
    # when loaded. Subclasses with other counters extend this.
    _scalar_state: tuple[str, ...] = ("step",)

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if defaults.get("differentiable"):
            raise NotImplementedError(
                f"{type(self).__name__}: differentiable=True is not supported; feedforward "
                "optimizers update parameters in place outside autograd"
            )
        if defaults.get("fused") and defaults.get("foreach"):
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got " + _typename(params)
            )
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):  # a blank line between groups, as torch's
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {k}: {group[k]}\n" for k in sorted(group) if k != "params")
        return text + ")"

    # ------------------------------------------------------------------ param groups

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own hyperparameters) to ``param_groups``.

        Useful when fine-tuning: frozen layers can be made trainable and added as training goes.

        Raises:
            TypeError: the group is not a dict, its params are a set, or one is not a Tensor.
            ValueError: a parameter is already in another group, is not a leaf, or a required
                hyperparameter is missing.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. "
                    "Some param names are missing"
                )
            param_group["param_names"] = names

        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is " + _typename(p)
                )
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization parameter "
                    + name
                )
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen: set[Tensor] = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {kind} to the optimizer"
                )
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ stepping

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none: set ``.grad`` to None (the default, which also makes the next ``step``
                skip parameters that get no gradient) instead of filling it with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:  # (the field behind .grad: no property call per parameter)
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad._data.fill(0)
                    p.grad._version.value += 1

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step (update every parameter that has a gradient).

        Args:
            closure: optional function that re-evaluates the model and returns the loss; it is
                called with gradients enabled and its loss is returned.
        """
        raise NotImplementedError

    def _groups_to_update(self) -> Iterator[tuple[dict[str, Any], list[Tensor]]]:
        """Each param group with its parameters that have a gradient, for ``step`` to update.

        Parameters without one (unused, or their grad set to None) are skipped, as in torch. Once
        the loop body has updated a group in place, every parameter of it gets one version bump,
        so autograd detects the saved tensors that the update made stale.
        """
        for group in self.param_groups:
            params = [p for p in group["params"] if p._grad is not None]
            yield group, params
            for p in params:
                (p._vc or p._version).value += 1  # (the counter itself, once it exists)

    def _param_states(self, group: dict[str, Any], params: list[Tensor]) -> list[dict[str, Any]]:
        """The state dict of each of ``params``, made by :meth:`_new_state` on its first step."""
        states = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state.update(self._new_state(p, group))
            states.append(state)
        return states

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Tensor]:
        """The state of ``p`` before its first step (optimizers that keep state define it)."""
        raise NotImplementedError(f"{type(self).__name__} keeps no per-parameter state")

    # ------------------------------------------------------------------ checkpoints

    def state_dict(self) -> StateDict:
        """The state as ``{'state': {id: {...}}, 'param_groups': [{..., 'params': [ids]}]}``.

        Parameters are replaced by integer ids in the order they appear across the groups; the
        parameters themselves are not saved. The state tensors are the live buffers (as in torch):
        copy the dict (``copy.deepcopy`` or ``ff.save``) to keep a snapshot.
        """
        mapping: dict[int, int] = {}
        start = 0

        def pack_group(group: dict[str, Any]) -> dict[str, Any]:
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: StateDict) -> None:
        """Load a state saved by :meth:`state_dict` (into an optimizer with matching groups).

        State tensors are copied (floating-point buffers cast to their parameter's dtype; the
        ``step`` counters kept as they are), so the loaded optimizer never shares buffers with the
        one that saved. Create LR schedulers *before* calling this: they overwrite ``lr``.

        Raises:
            ValueError: the number of groups, or of parameters in a group, differs.
        """
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group "
                "that doesn't match the size of optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {key: self._load_value(param, key, val) for key, val in v.items()}
            else:
                state[k] = v

        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            for name, default in self.defaults.items():  # checkpoints from older versions
                saved.setdefault(name, default)
        self.__setstate__({"state": state, "param_groups": saved_groups})

    def _load_value(self, param: Tensor, key: str, value: Any) -> Any:
        """A copy of one saved state entry, in the form this optimizer's step expects."""
        if key in self._scalar_state:
            if not isinstance(value, Tensor):  # a plain number from an older checkpoint
                return _scalar_tensor(float(value))
            # Counters keep their dtype so a resumed run continues bitwise (torch keeps only
            # 'step' and casts NAdam's mu_product to the parameter's dtype).
            return Tensor._make(np.array(value._data), False, None)
        if isinstance(value, Tensor):
            data = value._data
            if param._data.dtype.kind == "f":
                data = data.astype(param._data.dtype)  # always a copy
            else:
                data = data.copy()
            return Tensor._make(data, False, None)
        return deepcopy(value)
