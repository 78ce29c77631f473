"""``Function``: one differentiable op, with its forward and its backward side by side.

Calling ``SomeOp.apply(*inputs)`` runs ``forward`` and, when an input requires grad, returns a
Tensor whose ``grad_fn`` is the ``ctx`` object forward saw: that object *is* the graph node. It
keeps the inputs (``parents``), which of them need a gradient, and whatever forward saved for
backward.

The library's own ops (``feedforward.ops``) set ``array_op = True``: their forward and backward
take and return NumPy arrays, which keeps each op short and fast. A user's Function leaves it False
and gets Tensors in both directions, exactly as in torch.
"""

from __future__ import annotations

import itertools
import traceback
import weakref

import numpy as np

from feedforward.autograd import anomaly
from feedforward.autograd.grad_mode import _state, no_grad
from feedforward.ops._util import broadcast_error

__all__ = [
    "UNRECORDED",
    "Function",
    "FunctionCtx",
    "VersionCounter",
    "as_recorded",
    "share_storage",
    "storage_start",
    "unrecorded",
]

Tensor = None  # set by feedforward.tensor (it imports this module first)

_FREED = object()  # marks saved values released by a backward without retain_graph
_OUTPUT = object()  # in a version entry: "this node's own output"
_new = object.__new__  # a bare instance, no __init__ (the hot paths fill in the fields)
_numbering = itertools.count()  # graph nodes in the order they are made (see ``engine``)


class VersionCounter:
    """How many in-place writes a tensor's storage has seen; views share their base's counter."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


def share_storage(view, base) -> None:
    """``view``'s array lies in ``base``'s storage (the output of a view op, a detached tensor, a
    Parameter made from a tensor): it takes base's version counter and where the storage starts.

    The start is the array of the tensor that owns the storage, not NumPy's owner of the memory:
    an optimizer's state tensor is a piece of one flat buffer and ``from_numpy(a[2:])`` a piece of
    ``a``, yet each is a whole storage of its own in torch (``Tensor.storage_offset``). ``view``'s
    own array is kept beside it: a tensor whose array is replaced later (``x.data = y``, a
    Module's ``.double()``) no longer matches, and owns its storage again.
    """
    view._version = base._version
    view._storage = (storage_start(base), view._data)


def storage_start(t) -> np.ndarray:
    """The array whose first element is element 0 of ``t``'s storage: t's own but for a view."""
    s = t._storage
    return s[0] if s is not None and s[1] is t._data else t._data


class FunctionCtx:
    """What ``forward`` and ``backward`` share: saved values and which inputs need gradients."""

    _saved: tuple = ()
    _versions: tuple = ()
    _tensor_hooks: list | None = None  # hooks on the output tensor's gradient (register_hook)
    _retain: weakref.ref | None = None  # output tensor that asked for retain_grad()
    _stack: list | None = None  # where forward ran, kept in anomaly mode
    # an in-place op's node: what the tensor it rebased onto itself was before (``as_recorded``)
    _replaced: _Released | None = None

    def save_for_backward(self, *values) -> None:
        """Keep ``values`` (arrays, or Tensors in a user Function) until backward runs."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if "
                "you need to access saved tensors after calling backward."
            )
        for counter, expected, value, producer in self._versions:
            if counter.value != expected:
                array = value._data if isinstance(value, Tensor) else value
                kind = f"feedforward.{_TYPE_NAMES.get(array.dtype.name, array.dtype.name)}"
                producer = self if producer is _OUTPUT else producer
                origin = f"output 0 of {producer.name()}" if producer else "a leaf Variable"
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{kind} {list(array.shape)}], which is {origin}, is at "
                    f"version {counter.value}; expected version {expected} instead. Hint: enable "
                    "anomaly detection to find the operation that failed to compute its gradient, "
                    "with feedforward.autograd.set_detect_anomaly(True)."
                )
        return saved

    def mark_non_differentiable(self, *args) -> None:
        """Accepted for torch compatibility; outputs are differentiable as a whole here."""

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for torch compatibility: incoming gradients are always materialised."""


class _Unrecorded(FunctionCtx):
    """The ctx of a library op's forward when no graph is recorded (see ``Function.apply``)."""

    def save_for_backward(self, *values) -> None:
        pass


UNRECORDED = _Unrecorded()  # the one ctx of every forward that records nothing


class Function(FunctionCtx):
    """Base class of differentiable operations.

    Subclass it with two static methods and call ``apply``:

    Example:
        >>> class Exp(ff.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         y = x.exp()
        ...         ctx.save_for_backward(y)
        ...         return y
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         (y,) = ctx.saved_tensors
        ...         return grad_output * y          # d exp(x)/dx = exp(x)
        >>> Exp.apply(ff.tensor([0.0, 1.0], requires_grad=True))

    ``backward`` returns one gradient per input of ``forward`` (None for inputs that need none).
    """

    array_op = False  # True for the library's ops: forward/backward work on NumPy arrays
    is_view = False  # output shares storage (and version counter) with the first input

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom Function.")

    # the node name torch shows, where it differs from the class's: "MseLoss" shows as
    # MseLossBackward0; a whole name ("DivBackward1", "CopySlices", "NotImplemented": torch's
    # node for an op with no derivative) shows as it is
    torch_name: str | None = None

    def name(self) -> str:
        """The node's name as torch prints it in ``grad_fn=<MulBackward0>``."""
        base = self.torch_name or type(self).__name__
        if "Backward" in base or base in ("CopySlices", "NotImplemented"):
            return base
        return base + ("Backward0" if self.array_op else "Backward")

    def __repr__(self) -> str:
        return f"<{self.name()} object>" if not self.array_op else f"<{self.name()}>"

    @property
    def next_functions(self) -> tuple:
        """(node, 0) for each input, as torch shows the graph; leaves appear as AccumulateGrad."""
        out = []
        for p in self.parents:
            if not isinstance(p, Tensor | _Released):
                continue
            if not p.requires_grad:
                out.append((None, 0))
            else:
                out.append((p.grad_fn if p.grad_fn is not None else AccumulateGrad(p), 0))
        return tuple(out)

    def _release(self) -> None:
        """After a backward without ``retain_graph``: let go of what backward needed.

        Saved values are dropped (a second backward through this node then raises), and so are
        the values of non-leaf inputs: the node keeps only their graph node, shape and dtype. So a
        loss tensor kept alive after ``backward()`` (``losses.append(loss)``) does not keep every
        activation of its graph in memory.
        """
        if self._saved:
            self._saved = _FREED
        self._versions = ()
        parents = None
        for i, p in enumerate(self.parents):
            # small inputs are not worth the stand-in: only storage that matters is let go
            if isinstance(p, Tensor) and p.grad_fn is not None and p._data.nbytes > 4096:
                parents = parents or list(self.parents)
                parents[i] = _Released(p)
        if parents is not None:
            self.parents = tuple(parents)

    def register_hook(self, fn) -> None:
        if self._tensor_hooks is None:
            self._tensor_hooks = []
        self._tensor_hooks.append(fn)

    @classmethod
    def apply(cls, *args, **kwargs):
        # one pass over the inputs: their arrays, and whether any of them requires grad
        record = False
        arrays = []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if a._requires_grad:
                    record = True
            else:
                arrays.append(a)
        if record and _state["grad"]:
            return cls._apply_recorded(args, arrays, kwargs)
        if not cls.array_op:
            return cls._apply_user(args, kwargs, None)
        # Nothing to record (inference, no_grad, constants): no graph node.
        out = unrecorded(cls, arrays, kwargs)
        if cls.is_view:
            share_storage(out, args[0])
        if anomaly._enabled:
            anomaly.check_forward(cls, out._data)
        return out

    @classmethod
    def _apply_recorded(cls, args: tuple, arrays: list, kwargs: dict):
        """Run forward and make the output a node of the graph (this ctx is the node)."""
        ctx = _new(cls)
        if not cls.array_op:
            return cls._apply_user(args, kwargs, ctx)
        data = _call_forward(cls, ctx, arrays, kwargs)
        return ctx._attach(Tensor._make(data, True, ctx), args)

    @classmethod
    def _apply_user(cls, args: tuple, kwargs: dict, ctx):
        """A user's Function: forward sees Tensors (and records nothing itself), as in torch."""
        record = ctx is not None
        ctx = ctx if record else _new(cls)
        with no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        if not isinstance(result, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return one Tensor, got {type(result)}")
        data = result._data
        if not record:
            return Tensor._make(data, False, None)
        return ctx._attach(Tensor._make(data, True, ctx), args)

    def _attach(self, out, args: tuple):
        """Remember the inputs and what forward saved (with their versions) for backward."""
        self._seq = next(_numbering)
        self.parents = args
        self.needs_input_grad = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
        if self._saved:
            self._versions = _watch_saved(self._saved, args, out)
        if self.is_view:
            share_storage(out, args[0])
        if anomaly._enabled:
            self._stack = traceback.extract_stack()[:-3]
            anomaly.check_forward(type(self), out._data)
        return out

    def _run_backward(self, grad: np.ndarray) -> tuple:
        """Call backward and return one array (or None) per forward input."""
        if self.array_op:
            grads = self.backward(self, grad)
            return grads if isinstance(grads, tuple) else (grads,)
        grads = self.backward(self, Tensor._make(grad, False, None))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.parents):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {len(self.parents)}, got {len(grads)})"
            )
        return tuple(g._data if isinstance(g, Tensor) else g for g in grads)


def as_recorded(p, seq: int):
    """Input ``p`` as it was when the node numbered ``seq`` took it in.

    An in-place op made since (``y.exp_()``, ``y.t_()``) has rebased the tensor onto its own,
    newer node, which keeps what the tensor was (node, shape) as ``_replaced``: gradients for
    that older use go to the older node, and have the older shape.
    """
    fn = p.grad_fn
    while fn is not None and fn._seq > seq and fn._replaced is not None:
        p = fn._replaced
        fn = p.grad_fn
    return p


def unrecorded(cls, arrays, kwargs=None):
    """Run an array op's forward outside the graph: the output is a bare tensor, no node.

    The forward gets a shared stand-in ctx whose ``save_for_backward`` keeps nothing. This path
    runs on every op of every evaluation, so it stays short; the operators (``a + b``) call it
    directly once they see there is nothing to record, which halves the cost of an op on a small
    tensor (most of it was ``apply`` sorting its arguments). Unary functions (``ff.relu(x)``) call
    the forward themselves (``ops.api._unary``): they have no broadcasting error to translate.
    It repeats ``_call_forward``'s few lines rather than calling it: one Python call is ~8% of a
    small op.
    """
    try:
        if kwargs:
            data = cls.forward(UNRECORDED, *arrays, **kwargs)
        else:
            data = cls.forward(UNRECORDED, *arrays)
    except ValueError as e:
        raise _torch_error(cls, e, arrays) from None
    if type(data) is not np.ndarray:  # NumPy gives scalars for 0-dim results
        data = np.asarray(data)
    out = _new(Tensor)
    out._data = data
    out._requires_grad = False
    out.grad_fn = None
    return out


def _call_forward(cls, ctx, arrays, kwargs) -> np.ndarray:
    """An array op's forward, with NumPy's broadcasting error turned into torch's."""
    try:
        data = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
    except ValueError as e:
        raise _torch_error(cls, e, arrays) from None
    if type(data) is not np.ndarray:  # NumPy gives scalars for 0-dim results
        data = np.asarray(data)
    return data


def _torch_error(cls, error: ValueError, arrays) -> Exception:
    """NumPy's "could not be broadcast" as torch's RuntimeError naming the op; others unchanged."""
    if "broadcast" not in str(error):
        return error
    shapes = [np.shape(a) for a in arrays if isinstance(a, np.ndarray)]
    return broadcast_error(cls.__name__.lower(), *shapes[-2:])


def _watch_saved(saved, args, out) -> tuple:
    """For each saved value that is an input's or the output's storage, remember its version.

    Entries are (counter, version now, the value, the node that produced it); the error message
    is only built if a check fails.
    """
    watched = []
    for value in saved:
        for a in args:
            if isinstance(a, Tensor) and (value is a._data or value is a):
                counter = a._vc or a._version  # (the property only to make the counter)
                watched.append((counter, counter.value, value, a.grad_fn))
                break
        else:
            if value is out._data or value is out:
                watched.append((out._version, 0, value, _OUTPUT))  # not the node: no cycle
    return tuple(watched)


_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "bool": "BoolTensor",
    "uint8": "ByteTensor",
}


class _Released:
    """A non-leaf input of a released node: its graph node, shape and dtype, not its values."""

    __slots__ = ("grad_fn", "_data", "_requires_grad")

    def __init__(self, tensor) -> None:
        self.grad_fn = tensor.grad_fn
        self._data = _Meta(tensor._data.shape, tensor._data.dtype)
        self._requires_grad = tensor._requires_grad

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad


class _Meta:
    """Stands in for an array where only ``shape`` and ``dtype`` are read."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: tuple, dtype: np.dtype) -> None:
        self.shape, self.dtype = shape, dtype


class AccumulateGrad:
    """Stands for a leaf in ``next_functions``: backward adds into its ``.grad``."""

    def __init__(self, variable) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"

    next_functions = ()
