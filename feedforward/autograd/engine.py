"""Reverse-mode differentiation: walk the graph from the output back to the leaves.

The whole idea fits in one loop. Visit the nodes so that each comes after every node that uses
its output: each node turns the gradient of its output into gradients of its inputs (the chain
rule), and gradients arriving at the same place by several paths are ADDED before it runs.

The order comes for free, as in torch: nodes are numbered as they are made (``ctx._seq``), and
a node's inputs always exist before it, so whoever uses a node's output has a higher number.
Taking the waiting nodes highest number first (a heap) is therefore a topological order, found
as the walk goes: no recursion, no separate sorting pass.
"""

from __future__ import annotations

from heapq import heappop, heappush

import numpy as np

from feedforward.autograd import anomaly
from feedforward.autograd.function import as_recorded

__all__ = ["backward", "grad"]

Tensor = None  # set by feedforward.tensor (which imports this module first)


def _run(root, root_grad: np.ndarray, retain_graph: bool, capture: dict | None) -> None:
    """Backpropagate ``root_grad`` from ``root`` (a Tensor).

    With ``capture`` None, leaf gradients accumulate into ``.grad``. Otherwise ``capture`` maps
    ``id(tensor)`` to None for the tensors whose gradients are wanted; they are filled in and no
    ``.grad`` is touched (that is ``autograd.grad``).

    An inf or NaN met on the way gives no NumPy RuntimeWarning, as in torch: such a warning
    would point into a backward formula, not at its cause; ``detect_anomaly`` names the op
    whose backward made the first NaN. (So no backward formula needs an errstate of its own.)
    """
    with np.errstate(all="ignore"):
        _walk(root, root_grad, retain_graph, capture)


def _walk(root, root_grad: np.ndarray, retain_graph: bool, capture: dict | None) -> None:
    handed_out = {id(root_grad)}  # arrays now owned by some .grad: the next leaf needs a copy
    if root.grad_fn is None:  # backward() called on a leaf itself
        _deliver(root, root_grad, capture, handed_out)
        return
    grads = {root.grad_fn: root_grad}  # node -> gradient of its output, summed so far
    waiting = [(-root.grad_fn._seq, root.grad_fn)]  # nodes with a gradient, newest first
    # leaf -> its gradient summed so far: a leaf's hooks and .grad get the sum, once a pass (as
    # torch's AccumulateGrad node), however many paths lead to it
    leaves: dict[int, list] = {}
    while waiting:
        node = heappop(waiting)[1]
        g = grads.pop(node)
        if node._tensor_hooks:
            for hook in node._tensor_hooks:
                replaced = hook(Tensor._make(g, False, None))
                if replaced is not None:
                    g = replaced._data
        if node._retain is not None:
            kept = node._retain()
            if kept is not None:
                kept._grad = _accumulate(kept._grad, g, handed_out, kept)
        if capture is not None and id(node) in capture:
            capture[id(node)] = g
        input_grads = node._run_backward(g)
        if anomaly._enabled:
            anomaly.check_backward(node, input_grads)
        seq = node._seq
        for p, need, pg in zip(node.parents, node.needs_input_grad, input_grads):
            if not need or pg is None:
                continue
            producer = p.grad_fn
            if producer is not None and producer._seq > seq:  # p was written in place since
                p = as_recorded(p, seq)
                producer = p.grad_fn
            if type(pg) is not np.ndarray:  # a NumPy scalar from a 0-dim computation
                pg = np.asarray(pg)
            if pg.dtype != p._data.dtype:
                pg = pg.astype(p._data.dtype)
            if producer is None:
                entry = leaves.get(id(p))
                if entry is None:
                    leaves[id(p)] = [p, pg]
                else:
                    entry[1] = entry[1] + pg
            elif producer in grads:
                grads[producer] = grads[producer] + pg
            else:
                grads[producer] = pg
                heappush(waiting, (-producer._seq, producer))
        if not retain_graph:
            node._release()
    for leaf, g in leaves.values():
        _deliver(leaf, g, capture, handed_out)


def _deliver(leaf, g: np.ndarray, capture: dict | None, handed_out: set) -> None:
    """A gradient reaches a leaf: run its hooks, then add it into ``.grad`` (or capture it)."""
    if leaf._hooks:
        for hook in leaf._hooks:
            replaced = hook(Tensor._make(g, False, None))
            if replaced is not None:
                g = replaced._data
    if capture is not None:
        if id(leaf) in capture:
            prev = capture[id(leaf)]
            capture[id(leaf)] = g if prev is None else prev + g
        return
    leaf._grad = _accumulate(leaf._grad, g, handed_out, leaf)
    if leaf._post_accumulate_hooks:
        for hook in list(leaf._post_accumulate_hooks):
            hook(leaf)


def _accumulate(existing, g: np.ndarray, handed_out: set, owner):
    """``.grad`` += g, in place like torch; a fresh .grad never aliases another array."""
    if existing is not None:
        np.add(existing._data, g, out=existing._data, casting="unsafe")
        return existing
    shape = owner._data.shape  # (not owner.shape: that builds a Size)
    if id(g) in handed_out or not g.flags.owndata or g.shape != shape:
        g = np.array(np.broadcast_to(g, shape), dtype=owner._data.dtype)
    handed_out.add(id(g))
    return Tensor._make(g, False, None)


def _check_root(tensor, gradient, index: int = 0) -> np.ndarray:
    if not tensor.requires_grad:
        raise RuntimeError(
            f"element {index} of tensors does not require grad and does not have a grad_fn"
        )
    if gradient is None:
        if tensor._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        seed = np.empty(tensor._data.shape, dtype=tensor._data.dtype)
        seed.fill(1)  # d(out)/d(out) = 1
        return seed
    g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if g.shape != tensor.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{index}] has a shape of {_size(g.shape)} and "
            f"output[{index}] has a shape of {_size(tensor.shape)}."
        )
    return g.astype(tensor._data.dtype, copy=False)


def _size(shape) -> str:
    return f"feedforward.Size({list(shape)})"


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves they depend on."""
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (higher-order gradients) is not supported: feedforward's backward "
            "formulas run on NumPy arrays, so a gradient has no graph of its own"
        )
    if inputs is not None:
        raise NotImplementedError("backward(inputs=...) is not supported; use autograd.grad")
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    retain = bool(retain_graph)
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        root_grad = _check_root(t, g, i)
        # several roots share nodes: keep the graph until the last one has run
        _run(t, root_grad, retain or i < len(tensors) - 1, None)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    allow_unused=None,
    materialize_grads=False,
):
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of stored in ``.grad``.

    Example:
        >>> x = ff.tensor([1.0, 2.0], requires_grad=True)
        >>> (gx,) = ff.autograd.grad((x * x).sum(), x)   # 2x
    """
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (higher-order gradients) is not supported: feedforward's backward "
            "formulas run on NumPy arrays, so a gradient has no graph of its own"
        )
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(
                f"One of the differentiated Tensors does not require grad (index {i})"
            )
    # a leaf is captured under its own id; a non-leaf under its grad_fn's (its gradient is the
    # gradient flowing into that node)
    keys = [id(x) if x.grad_fn is None else id(x.grad_fn) for x in inputs]
    capture = dict.fromkeys(keys)
    retain = bool(retain_graph)
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        root_grad = _check_root(out, g, i)
        part = dict.fromkeys(keys)
        _run(out, root_grad, retain or i < len(outputs) - 1, part)
        for k, v in part.items():
            if v is not None:
                capture[k] = v if capture[k] is None else capture[k] + v
    result = []
    for i, (x, k) in enumerate(zip(inputs, keys)):
        g = capture[k]
        if g is None:
            if materialize_grads:
                g = np.zeros_like(x._data)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
        result.append(None if g is None else Tensor._make(np.array(g, copy=True), False, None))
    return tuple(result)
