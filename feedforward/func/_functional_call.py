"""torch.func's ``functional_call``: a module called with given parameters and buffers in place
of its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feedforward.nn.module import Module
from feedforward.nn.utils import stateless

__all__ = ["functional_call"]


def functional_call(
    module: Module,
    parameter_and_buffer_dicts: dict | Sequence[dict],
    args: Any = None,
    kwargs: dict | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with the tensors of ``parameter_and_buffer_dicts`` (a dict
    of dotted names to tensors, or a sequence of such dicts with no name in two) in place of the
    module's own; the module's tensors are back afterwards.

    Args:
        module: the module to call.
        parameter_and_buffer_dicts: the replacements, by the names of ``named_parameters``
            and ``named_buffers``.
        args: the positional arguments (a non-tuple is one argument).
        kwargs: the keyword arguments.
        tie_weights: a value given for one name of a tied tensor is used for all its names.
        strict: the names must be exactly the module's parameters and buffers.

    Example:
        >>> w = ff.zeros(1, 3, requires_grad=True)
        >>> y = ff.func.functional_call(nn.Linear(3, 1), {"weight": w}, (ff.ones(2, 3),))
        >>> y.sum().backward()            # w.grad is set; the module's weight is untouched
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        parameters_and_buffers = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError(
                "Expected all elements of parameter_and_buffer_dicts to be dictionaries"
            )
        counts: dict[str, int] = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated_keys = [key for key, n in counts.items() if n > 1]
        if repeated_keys:
            raise ValueError(
                f"{repeated_keys} appeared in multiple dictionaries; behavior of functional "
                "call is ambiguous"
            )
        parameters_and_buffers = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(
            "Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, "
            f"but got {type(parameter_and_buffer_dicts)}"
        )
    return stateless._functional_call(
        module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict
    )
