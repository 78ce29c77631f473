"""Hook plumbing for ``Module``: removable handles and full backward hooks.

A full backward hook needs the gradients with respect to a module's inputs and outputs. They are
captured by identity ops placed around the module call: the op wrapping an output sees the
gradient arriving at that output (grad_output), the op wrapping an input sees the gradient
leaving the module through that input (grad_input). The user hook runs once the gradients of all
inputs that require grad have arrived.
"""

from __future__ import annotations

import warnings
import weakref
from collections import OrderedDict

import numpy as np

from feedforward.autograd.grad_mode import _state
from feedforward.ops.elementwise import ArrayOp
from feedforward.tensor import Tensor

__all__ = ["RemovableHandle", "BackwardHook"]


class RemovableHandle:
    """Returned by every ``register_*_hook``: ``handle.remove()`` unregisters the hook.

    Also a context manager: the hook is removed when the ``with`` block ends.
    """

    next_id: int = 0

    def __init__(self, hooks_dict: OrderedDict, *, extra_dict=None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        extras = [extra_dict] if isinstance(extra_dict, dict) else list(extra_dict or ())
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _wrap(g: np.ndarray | None) -> Tensor | None:
    # a copy: the engine may later accumulate into this very array (a leaf's .grad), and the
    # user may keep what the hook received
    return None if g is None else Tensor._make(g.copy(), False, None)


def _unwrap(t) -> np.ndarray | None:
    return None if t is None else (t._data if isinstance(t, Tensor) else np.asarray(t))


class _CaptureGrad(ArrayOp):
    """Identity in forward; in backward hands the gradient to ``on_grad(index, g)``, which may
    return a replacement."""

    is_view = True

    @staticmethod
    def forward(ctx, x, on_grad, index):
        ctx.on_grad, ctx.index = on_grad, index
        return x

    @staticmethod
    def backward(ctx, g):
        return ctx.on_grad(ctx.index, g), None, None

    @classmethod
    def name(cls) -> str:
        return "BackwardHookFunctionBackward"


class BackwardHook:
    """One module call's backward hooks: wraps its inputs and outputs and calls the user hooks.

    ``hooks`` are called as ``hook(module, grad_input, grad_output)``, ``pre_hooks`` as
    ``pre_hook(module, grad_output)``; both get tuples with one entry per positional input /
    output (None for non-tensors and tensors that got no gradient) and may return replacements.

    A replacement ``grad_input`` is exact for modules with one tensor input requiring grad (the
    usual case). With several, each input's gradient flows on as soon as it is computed, so only
    the one arriving last can still be replaced; replacing another raises.
    """

    def __init__(self, module, hooks: list, pre_hooks: list) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.n_inputs = 0
        self.input_index: list[int] = []  # positions of inputs that are wrapped
        self.constant_inputs: dict[int, tuple] = {}  # tensor inputs needing no grad: (shape, dtype)
        self.grad_inputs: dict[int, np.ndarray] = {}
        self.n_outputs = 0
        self.output_index: list[int] = []
        self.grad_outputs: list | None = None
        self.outputs_seen = 0

    # ------------------------------------------------------------------ forward side

    def _wrap_tensors(self, values: tuple, on_grad) -> tuple[tuple, list[int]]:
        if not _state["grad"]:
            return values, []
        out, index = list(values), []
        for i, v in enumerate(values):
            if isinstance(v, Tensor) and v.requires_grad:
                out[i] = _CaptureGrad.apply(v, on_grad, i)
                index.append(i)
        return tuple(out), index

    def setup_input_hook(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        args, self.input_index = self._wrap_tensors(args, self._on_input_grad)
        if self.input_index:  # torch reports zeros for tensor inputs that need no gradient
            self.constant_inputs = {
                i: (a._data.shape, a._data.dtype)
                for i, a in enumerate(args)
                if isinstance(a, Tensor) and i not in self.input_index
            }
        return args

    def setup_output_hook(self, result):
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        self.n_outputs = len(outputs)
        outputs, self.output_index = self._wrap_tensors(outputs, self._on_output_grad)
        return outputs[0] if single else outputs

    # ------------------------------------------------------------------ backward side

    def _on_output_grad(self, i: int, g: np.ndarray) -> np.ndarray:
        if self.grad_outputs is None:
            self.grad_outputs = [None] * self.n_outputs
            self.outputs_seen = 0
        self.grad_outputs[i] = _wrap(g)
        self.outputs_seen += 1
        # every output's gradient is final before the module's own backward nodes run; the pre
        # hooks run once all outputs that will get a gradient have one
        if self.outputs_seen < len(self.output_index):
            return g
        grads = tuple(self.grad_outputs)
        for hook in self.pre_hooks:
            new = hook(self.module, grads)
            if new is not None:
                if len(new) != len(grads):
                    raise RuntimeError(
                        "Backward pre hook returned an invalid number of grad_output, "
                        f"got {len(new)}, but expected {len(grads)}"
                    )
                grads = tuple(new)
        self.grad_outputs = list(grads)
        if not self.input_index:  # nothing flows back into an input: call the hooks now
            self._call_no_input_hooks(grads)
        return _unwrap(grads[i])

    def _call_no_input_hooks(self, grads: tuple) -> None:
        warnings.warn(
            "Full backward hook is firing when gradients are computed with respect to module "
            "outputs since no inputs require gradients. See "
            "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
            "#torch.nn.Module.register_full_backward_hook for more details.",
            stacklevel=2,
        )
        empty = (None,) * self.n_inputs
        for hook in self.hooks:
            res = hook(self.module, empty, grads)
            if res is not None and not all(r is None for r in res):
                raise RuntimeError(
                    "Backward hook for Modules where no input requires gradient should always "
                    "return None or None for all gradients."
                )
        self.grad_outputs = None

    def _grad_input(self, j: int) -> np.ndarray | None:
        if j in self.constant_inputs:
            shape, dtype = self.constant_inputs[j]
            return np.zeros(shape, dtype)
        return self.grad_inputs.get(j)

    def _on_input_grad(self, i: int, g: np.ndarray) -> np.ndarray:
        self.grad_inputs[i] = g
        if len(self.grad_inputs) < len(self.input_index) or self.grad_outputs is None:
            return g
        res = tuple(_wrap(self._grad_input(j)) for j in range(self.n_inputs))
        original = res
        grad_outputs = tuple(self.grad_outputs)
        for hook in self.hooks:
            out = hook(self.module, res, grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(
                    "Backward hook returned an invalid number of grad_input, "
                    f"got {len(out)}, but expected {len(res)}"
                )
            res = tuple(out)
        for j in self.input_index:
            if j != i and res[j] is not original[j]:
                raise RuntimeError(
                    f"Backward hook of {type(self.module).__name__} replaced grad_input[{j}], "
                    "whose gradient had already flowed on (only the input whose gradient "
                    f"arrives last, here {i}, can be replaced when a module has several inputs "
                    "requiring grad)"
                )
        self.grad_outputs, self.grad_inputs = None, {}
        if res[i] is original[i]:  # not replaced: pass on the engine's array, not the hook's copy
            return g
        replaced = _unwrap(res[i])  # the hook's tensor: the caller may keep it, so a copy flows
        return None if replaced is None else replaced.copy()
