"""``ff.autograd.functional``: derivatives of a whole function, as torch.autograd.functional's.

``vjp(f, x, v)`` is vᵀ J at x (one backward pass); ``jacobian(f, x)`` is J itself, one backward
pass per output element; ``jvp(f, x, v)`` is J v, computed here from that Jacobian (torch uses the
double-backward trick, which needs higher-order gradients).

feedforward has no higher-order gradients (backward formulas run on NumPy arrays, so a gradient
has no graph), so ``create_graph=True`` raises NotImplementedError, as do ``hessian``, ``hvp``
and ``vhp``, which differentiate a gradient. It has no forward-mode AD either:
``strategy="forward-mode"`` raises NotImplementedError too. ``vectorize=True`` (torch batches the
backward passes) computes the same Jacobian with one pass per output element.
"""

from __future__ import annotations

from feedforward import creation
from feedforward.autograd.engine import grad as autograd_grad
from feedforward.autograd.grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from feedforward.tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _no_create_graph(fn_name: str) -> None:
    raise NotImplementedError(
        f"feedforward.autograd.functional.{fn_name}: create_graph=True needs higher-order "
        "gradients, which feedforward does not support (its backward formulas run on NumPy "
        "arrays, so a gradient has no graph of its own)"
    )


def _as_tuple(inp, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """(whether ``inp`` was a tuple, ``inp`` as a tuple of Tensors); anything else raises."""
    is_inp_tuple = isinstance(inp, tuple)
    if not is_inp_tuple:
        inp = (inp,)
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            where = f" value at index {i}" if is_inp_tuple else f" given {arg_name}"
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                f"but the{where} has type {type(el)}."
            )
    return is_inp_tuple, inp


def _tuple_postprocess(res, to_unpack):
    """Undo the tupling: a single input (or output) gets its result, not a 1-tuple."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs: tuple, need_graph: bool) -> tuple:
    """Fresh leaves on the inputs' storage: the function's graph starts at them."""
    return tuple(inp.detach().requires_grad_(need_graph) for inp in inputs)


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(
                f"{prepend}v has invalid size: should be {el_other.size()} but got {el_v.size()}."
            )


def _check_outputs_require_grad(outputs: tuple, strict: bool) -> None:
    if not strict:
        return
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"Output {i} of the user-provided function does not require gradients."
                " The outputs must be computed in a differentiable manner from the input"
                " when running in strict mode."
            )


def _autograd_grad(outputs: tuple, inputs: tuple, grad_outputs=None, retain_graph=None) -> tuple:
    """The gradients of the outputs that require grad (None for an input none depends on)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return autograd_grad(
        [o for o, _ in pairs],
        inputs,
        [g for _, g in pairs],
        retain_graph=retain_graph,
        allow_unused=True,
    )


def _fill_in_zeros(grads, refs, strict: bool) -> tuple:
    res = ()
    for i, grads_i in enumerate(grads):
        if grads_i is None:
            if strict:
                raise RuntimeError(
                    "The output of the user-provided function is independent of "
                    f"input {i}. This is not allowed in strict mode."
                )
            grads_i = creation.zeros_like(refs[i])
        res += (grads_i,)
    return res


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The function's outputs and the vector-Jacobian product vᵀ J at ``inputs``.

    Args:
        func: takes Tensors (``inputs`` unpacked) and returns a Tensor or a tuple of them.
        inputs: a Tensor or a tuple of Tensors.
        v: one Tensor per output, of its shape; may be None for one output with one element.
        create_graph: not supported (NotImplementedError): no higher-order gradients.
        strict: raise where an output does not depend on the inputs or an input does not
            affect the outputs (instead of giving zeros).

    Returns:
        ``(func_output, vjp)``, each a Tensor or a tuple as the outputs and inputs are.

    Example:
        >>> out, g = ff.autograd.functional.vjp(lambda x: x.pow(2).sum(), ff.ones(3))
        >>> g
        tensor([2., 2., 2.])
    """
    if create_graph:
        _no_create_graph("vjp")
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "vjp"
        )
        _check_outputs_require_grad(outputs, strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single "
                "Tensor with a single element."
            )
    with set_grad_enabled(is_grad_enabled()):
        grad_res = _autograd_grad(outputs, inputs, v)
        result = _fill_in_zeros(grad_res, inputs, strict)
    outputs = tuple(out.detach() for out in outputs)
    result = tuple(g.detach() for g in result)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(
        result, is_inputs_tuple
    )


def _jacobian_blocks(func, inputs: tuple, strict: bool, strict_outputs: bool):
    """``(is_outputs_tuple, outputs, blocks)``: blocks[i][j] is d output_i / d input_j, shape
    ``output_i.shape + input_j.shape``, or None where output i does not depend on input j (and
    not strict). One backward pass per output element. ``strict_outputs``: every output must
    require grad."""
    with enable_grad():
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "jacobian"
        )
        _check_outputs_require_grad(outputs, strict_outputs)
        blocks = []
        for i, out in enumerate(outputs):
            rows: list[list] = [[] for _ in inputs]  # per input: d out[j] / d input, over j
            flat = out.reshape(-1)
            for j in range(out.nelement()):
                for k, g in enumerate(_autograd_grad((flat[j],), inputs, retain_graph=True)):
                    rows[k].append(g)
            row_i = []
            for k, (grads, inp) in enumerate(zip(rows, inputs)):
                if grads and all(g is None for g in grads):
                    if strict:
                        raise RuntimeError(
                            f"Output {i} of the user-provided function is independent of "
                            f"input {k}. This is not allowed in strict mode."
                        )
                    row_i.append(None)
                    continue
                grads = [creation.zeros_like(inp) if g is None else g.detach() for g in grads]
                stacked = (
                    _api().stack(grads, dim=0)
                    if grads
                    else creation.zeros((0, *inp.shape), dtype=inp.dtype)
                )
                row_i.append(stacked.view(out.size() + inp.size()))
            blocks.append(row_i)
    return is_outputs_tuple, tuple(out.detach() for out in outputs), blocks


def _api():
    from feedforward.ops import api

    return api


def jacobian(
    func,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
):
    """The Jacobian of ``func`` at ``inputs``: for output i and input j, a Tensor of shape
    ``output_i.shape + input_j.shape`` (d output_i / d input_j).

    Args:
        func: takes Tensors (``inputs`` unpacked) and returns a Tensor or a tuple of them.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: not supported (NotImplementedError): no higher-order gradients.
        strict: raise where an output does not depend on an input (instead of zeros).
        vectorize: accepted; the same Jacobian, one backward pass per output element.
        strategy: ``"reverse-mode"`` only (ff has no forward-mode AD).

    Returns:
        A Tensor for one input and one output; a tuple over inputs (or outputs), or a tuple of
        tuples ``[i][j]`` for several of both.

    Example:
        >>> ff.autograd.functional.jacobian(lambda x: x * 2, ff.ones(2))
        tensor([[2., 0.],
                [0., 2.]])
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        raise NotImplementedError(
            'feedforward.autograd.functional.jacobian: strategy="forward-mode" is not '
            'supported: feedforward has no forward-mode AD; use strategy="reverse-mode"'
        )
    if create_graph:
        _no_create_graph("jacobian")
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = _grad_preprocess(inputs, need_graph=True)
    if vectorize and strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` "
            "and `vectorized=True` are not supported together. "
            "Please either set `strict=False` or "
            "`vectorize=False`."
        )
    is_outputs_tuple, outputs, blocks = _jacobian_blocks(func, inputs, strict, strict)
    if any(out.nelement() == 0 for out in outputs):
        _api().stack([])  # torch stacks an empty output's rows: its error, as torch's
    result = tuple(
        tuple(
            creation.zeros(out.size() + inp.size(), dtype=inp.dtype) if block is None else block
            for block, inp in zip(row, inputs)
        )
        for row, out in zip(blocks, outputs)
    )
    return _tuple_postprocess(result, (is_outputs_tuple, is_inputs_tuple))


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The function's outputs and the Jacobian-vector product J v at ``inputs``.

    Computed from the full Jacobian (one backward pass per output element), since ff has no
    forward-mode AD and no double backward.

    Args:
        func: takes Tensors (``inputs`` unpacked) and returns a Tensor or a tuple of them.
        inputs: a Tensor or a tuple of Tensors.
        v: one Tensor per input, of its shape; may be None for one input with one element.
        create_graph: not supported (NotImplementedError).
        strict: raise where an input does not affect the outputs (instead of zeros).

    Returns:
        ``(func_output, jvp)``, each a Tensor or a tuple as the outputs are.

    Example:
        >>> out, jv = ff.autograd.functional.jvp(lambda x: x**2, ff.ones(2), ff.ones(2))
        >>> jv
        tensor([2., 2.])
    """
    if create_graph:
        _no_create_graph("jvp")
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    inputs = _grad_preprocess(inputs, need_graph=True)
    if v is not None:
        _, v = _as_tuple(v, "v", "jvp")
        v = _grad_preprocess(v, need_graph=False)
        _validate_v(v, inputs, is_inputs_tuple)
    elif len(inputs) != 1 or inputs[0].nelement() != 1:
        raise RuntimeError(
            "The vector v can only be None if the input to the user-provided function is a "
            "single Tensor with a single element."
        )
    else:
        v = (creation.ones_like(inputs[0]),)
    is_outputs_tuple, outputs, blocks = _jacobian_blocks(func, inputs, False, strict)
    if strict:
        for k in range(len(inputs)):
            if all(row[k] is None for row in blocks):
                raise RuntimeError(
                    "The output of the user-provided function is independent of "
                    f"input {k}. This is not allowed in strict mode."
                )
    result = ()
    for out, row in zip(outputs, blocks):
        # J v for output i: the sum over inputs k of its Jacobian block (flattened) times v_k
        total = creation.zeros(out.shape, dtype=out.dtype)
        for block, v_k in zip(row, v):
            if block is not None:
                flat = block.reshape(out.nelement(), v_k.nelement()) @ v_k.reshape(-1)
                total = total + flat.reshape(out.shape)
        result += (total,)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(
        result, is_outputs_tuple
    )


def _no_higher_order(fn_name: str):
    def refuse(*args, **kwargs):
        raise NotImplementedError(
            f"feedforward.autograd.functional.{fn_name} needs higher-order gradients (the "
            "derivative of a gradient), which feedforward does not support: its backward "
            "formulas run on NumPy arrays, so a gradient has no graph of its own"
        )

    refuse.__name__ = refuse.__qualname__ = fn_name
    refuse.__doc__ = f"Not supported: {fn_name} differentiates a gradient (NotImplementedError)."
    return refuse


hessian = _no_higher_order("hessian")
hvp = _no_higher_order("hvp")
vhp = _no_higher_order("vhp")
