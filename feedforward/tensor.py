"""``Tensor``: a NumPy array plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

The arithmetic lives in ``feedforward.ops``; this file holds the class itself: construction,
properties, conversion, printing, ``backward()``, in-place updates and indexing. The many
methods that are plain calls to an op (``t.exp()``, ``t.sum(dim)``, ``a + b``, ...) are attached by
``feedforward/ops/methods.py``, from the same functions that ``ff.exp``, ``ff.sum`` ... are.
"""

from __future__ import annotations

import numpy as np

from feedforward import _dtype
from feedforward.autograd import engine as _engine
from feedforward.autograd import function as _function
from feedforward.autograd.function import VersionCounter, storage_start
from feedforward.autograd.grad_mode import _state
from feedforward.ops._util import C_TYPE_NAMES, SCALAR_TYPE_NAMES, can_cast, cast_error

__all__ = ["Tensor", "Size", "device"]


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``feedforward.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"feedforward.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


class device:
    """Everything runs on the CPU; ``device('cpu')`` exists so device-agnostic code runs."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type).split(":")[0]
        if name != "cpu":
            raise RuntimeError(
                f"feedforward runs on the CPU only, got device {type!r}: "
                "use device='cpu' (feedforward.cuda.is_available() is False)"
            )
        self.type, self.index = "cpu", index

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"

    def __eq__(self, other) -> bool:
        return isinstance(other, device | str) and str(other).split(":")[0] == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")


_CPU = device("cpu")
_new = object.__new__
_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


def _array_from(data, dtype=None) -> np.ndarray:
    """NumPy array from Python data with torch's dtype inference (floats -> float32)."""
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
    else:
        if isinstance(data, list | tuple) and any(isinstance(x, Tensor) for x in data):
            data = [x._data if isinstance(x, Tensor) else x for x in data]
        arr = np.asarray(data)
        if arr.dtype == np.float64 and not isinstance(data, np.generic):
            arr = arr.astype(_dtype.get_default_dtype().numpy_dtype)
        elif arr.dtype.kind == "O":
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if dtype is not None:
        arr = arr.astype(_dtype.to_numpy_dtype(dtype), copy=False)
    else:
        _dtype.from_numpy_dtype(arr.dtype)  # raises for types torch lacks (complex, str, ...)
    return arr


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    Example:
        >>> x = ff.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    # Every op makes a Tensor, so making one must be cheap: the three fields every tensor sets are
    # slots; the rarely set ones are class defaults that an instance overrides when it needs to.
    __slots__ = ("_data", "_requires_grad", "grad_fn", "__dict__", "__weakref__")
    _grad = None  # the accumulated gradient of a leaf (or of a non-leaf that retains it)
    _vc = None  # version counter, made on first use (most tensors are never written in place)
    _hooks = None  # gradient hooks of a leaf
    _post_accumulate_hooks = None  # hooks of a leaf, called after its .grad is accumulated
    _storage = None  # a view's (storage's first array, own array): see autograd.share_storage
    __array_priority__ = 1000  # np.float32(2) * tensor -> Tensor.__rmul__, not a NumPy array

    def __init__(self, *args, dtype=None, device=None, requires_grad: bool = False):
        # torch.Tensor(data) or the legacy torch.Tensor(2, 3) (uninitialised of that shape)
        if len(args) == 1 and not isinstance(args[0], int):
            data = _array_from(args[0])
            data = data.astype(dtype.numpy_dtype if dtype else np.float32, copy=True)
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
            data = np.empty(tuple(shape), dtype=dtype.numpy_dtype if dtype else np.float32)
        self._init(data, requires_grad, None)

    def _init(self, data: np.ndarray, requires_grad: bool, grad_fn) -> None:
        self._data = data
        self._requires_grad = requires_grad
        self.grad_fn = grad_fn

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, grad_fn) -> Tensor:
        """The fast constructor every op uses: no checks, no copies."""
        t = _new(cls)
        t._data = data
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        return t

    @property
    def _version(self) -> VersionCounter:
        """Counts in-place writes to the storage; shared with views and detached copies."""
        vc = self._vc
        if vc is None:
            vc = self._vc = VersionCounter()
        return vc

    @_version.setter
    def _version(self, counter: VersionCounter) -> None:
        self._vc = counter

    # ------------------------------------------------------------------ properties

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()`` (None until one arrives)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:  # torch's checks: a gradient matches its tensor
            if not isinstance(value, Tensor):
                raise TypeError(
                    "assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            have, want = value._data, self._data
            if have.dtype != want.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{C_TYPE_NAMES[have.dtype.name]}' "
                    "to a tensor with grad_dtype "
                    f"'{SCALAR_TYPE_NAMES[want.dtype.name]}'. The gradient must match the "
                    "tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                    "tensor's grad_dtype attribute with a specific dtype, or None to allow any "
                    "dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its "
                    "gradient may break downstream systems that assume they match."
                )
            if have.shape != want.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(have.shape)}' to a tensor of "
                    f"size '{list(want.shape)}'. Please ensure that the gradient and the tensor "
                    "are the same size"
                )
        self._grad = value

    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph (shares storage)."""
        return self.detach()

    @data.setter
    def data(self, value) -> None:
        if isinstance(value, Tensor):  # self now shares value's storage, where value lies in it
            self._data, self._storage = value._data, value._storage
        else:
            self._data, self._storage = np.asarray(value), None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype._BY_NUMPY[self._data.dtype]

    @property
    def device(self) -> device:
        return _CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    @property
    def _version_value(self) -> int:
        """torch's ``t._version``: how many in-place writes the storage has seen."""
        return self._version.value

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        from feedforward.ops._util import normalize_dim

        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def nelement(self) -> int:
        return int(self._data.size)

    def element_size(self) -> int:
        return self._data.itemsize

    def type(self, dtype=None):
        if dtype is None:
            return "feedforward." + _TYPE_NAMES[self._data.dtype.name]
        return self.to(dtype)

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def data_ptr(self) -> int:
        return self._data.ctypes.data

    def storage_offset(self) -> int:
        """Where the first element lies in the storage, in elements: 0 for a tensor that owns
        its storage, the distance from the storage's start for a view.

        Example:
            >>> ff.zeros(2, 3)[1:].storage_offset()
            3
        """
        start, data = storage_start(self), self._data
        if start is data or _memory_owner(start) is not _memory_owner(data):
            return 0  # (the second: an op that was to give a view made a copy after all)
        return (data.ctypes.data - start.ctypes.data) // data.itemsize

    def get_device(self) -> int:
        return -1

    # ------------------------------------------------------------------ conversion

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force: bool = False) -> np.ndarray:
        """The values as a NumPy array sharing this tensor's memory."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def detach(self) -> Tensor:
        """The same values (same storage) with no graph: gradients stop here."""
        t = Tensor._make(self._data, False, None)
        t._version = self._version
        if self._storage is not None:  # a view's detached copy is that view (share_storage)
            t._storage = self._storage
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    def clone(self, *, memory_format=None) -> Tensor:
        from feedforward.ops.elementwise import Clone

        return Clone.apply(self)

    def contiguous(self, memory_format=None) -> Tensor:
        if self._data.flags.c_contiguous:
            return self
        return self.clone()

    def to(self, *args, **kwargs) -> Tensor:
        """``to(dtype)``, ``to('cpu')``, ``to(device, dtype)``, ``to(other_tensor)``."""
        target = kwargs.get("dtype")
        for a in list(args) + [kwargs.get("device")]:
            if isinstance(a, _dtype.dtype):
                target = a
            elif isinstance(a, Tensor):
                target = a.dtype
            elif a is not None:
                device(a)  # validates: only the CPU
        if target is None or target.numpy_dtype == self._data.dtype:
            return self
        from feedforward.ops.elementwise import Cast

        if self._requires_grad and not target.is_floating_point:
            return Tensor._make(self._data.astype(target.numpy_dtype), False, None)
        return Cast.apply(self, target.numpy_dtype)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args, **kwargs):
        device("cuda")

    def float(self) -> Tensor:
        return self.to(_dtype.float32)

    def double(self) -> Tensor:
        return self.to(_dtype.float64)

    def half(self) -> Tensor:
        return self.to(_dtype.float16)

    def long(self) -> Tensor:
        return self.to(_dtype.int64)

    def int(self) -> Tensor:
        return self.to(_dtype.int32)

    def short(self) -> Tensor:
        return self.to(_dtype.int16)

    def byte(self) -> Tensor:
        return self.to(_dtype.uint8)

    def char(self) -> Tensor:
        return self.to(_dtype.int8)

    def bool(self) -> Tensor:
        return self.to(_dtype.bool)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    # by identity, as torch's (which returns id(self)); object's own hash is that, in C (a Python
    # __hash__ cost ~0.1 us per dict lookup: optimizer state is keyed by tensor). Binding __eq__
    # later (ops.methods) leaves it in place; defining __eq__ here would not.
    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        raise TypeError(
            "feedforward tensors are never pickled: save them with feedforward.save "
            "(safetensors), which cannot run code when loaded"
        )

    def __deepcopy__(self, memo) -> Tensor:
        t = Tensor._make(self._data.copy(), self._requires_grad, None)
        if type(self) is not Tensor:
            t = type(self)(t, requires_grad=self._requires_grad) if self.grad_fn is None else t
        if self.grad is not None:
            t.grad = Tensor._make(self.grad._data.copy(), False, None)
        memo[id(self)] = t
        return t

    # ------------------------------------------------------------------ printing

    def __repr__(self) -> str:
        from feedforward._tensor_str import format_tensor

        suffixes = []
        if self.grad_fn is not None:
            name = self.grad_fn.name()
            suffixes.append(f"grad_fn=<{name}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        return format_tensor(
            self._data,
            suffixes=suffixes,
            dtype_name=self._data.dtype.name,
            default_float=_dtype.get_default_dtype().name,
        )

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec) if spec else repr(self)

    # ------------------------------------------------------------------ autograd

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        import weakref

        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retain = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn._retain is not None

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces
        it.

        Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            self.grad_fn.register_hook(hook)
            hooks = self.grad_fn._tensor_hooks
        else:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            hooks = self._hooks
        return _RemovableHook(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Compute d(self)/d(leaf) for every leaf and ADD it into the leaf's ``.grad``.

        ``gradient`` is needed when self is not a scalar: the vector in the vector-Jacobian product.
        """
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    # ------------------------------------------------------------------ in-place updates

    def _check_inplace(self) -> None:
        if _state["grad"] and self._requires_grad and self.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )

    def _inplace(self, result: Tensor) -> Tensor:
        """Make ``result`` (computed out of place) the new value of self, as torch's in-place ops.

        The storage is overwritten, the version counter bumped (so a backward that saved the old
        values will refuse to run), and when recording, self takes over result's place in the graph.
        """
        self._check_inplace()
        if result._data.shape != self._data.shape:
            raise RuntimeError(
                f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                f"{list(result._data.shape)}"
            )
        if not can_cast(result._data.dtype, self._data.dtype):
            raise cast_error(result._data.dtype, self._data.dtype)
        np.copyto(self._data, result._data, casting="unsafe")
        self._version.value += 1
        if result.grad_fn is not None:
            self._rebase(result.grad_fn)
        return self

    def _rebase(self, node) -> None:
        """Make ``node`` (an in-place op's) self's place in the graph. The node keeps what self
        was, so the ops that took self in before still send their gradients there
        (``autograd.function.as_recorded``)."""
        if node is not self.grad_fn:  # (an op may hand its input back unchanged)
            node._replaced = _function._Released(self)
        self.grad_fn = node
        self._requires_grad = True

    def _as_input(self) -> Tensor:
        """Self as an op input for an in-place update: a stand-in holding the current graph node
        and a copy of the values (the storage is about to be overwritten)."""
        if not (_state["grad"] and self._requires_grad):
            return self
        t = Tensor._make(self._data.copy(), True, self.grad_fn)
        return t

    def _check_inplace_view(self) -> None:
        """torch's refusals to change a view in place while recording: a view of a leaf that
        requires grad, and a view that is (or was taken from) one of several outputs of split,
        chunk or unbind."""
        if not (_state["grad"] and self._requires_grad and self.grad_fn is not None):
            return
        node = self.grad_fn
        while node.is_view and node.torch_name != "UnsafeView":  # (kron's: not a view to torch)
            output = getattr(node, "_output_nr", None)
            if output is not None:
                name = self.grad_fn.name().removesuffix("Backward0")
                raise RuntimeError(
                    f"Output {output if node is self.grad_fn else 0} of {name} is a view and is "
                    "being modified inplace. This view is the output of a function that returns "
                    "multiple views. Such functions do not allow the output views to be modified "
                    "inplace. You should replace the inplace operation by an out-of-place one."
                )
            base = node.parents[0]
            if base.grad_fn is None:
                if base.requires_grad:
                    raise RuntimeError(
                        "a view of a leaf Variable that requires grad is being used in an "
                        "in-place operation."
                    )
                return
            node = base.grad_fn

    def _inplace_view(self, result: Tensor) -> Tensor:
        """Make ``result``, a view of self made out of place (``t()``, ``unsqueeze()``), self's
        own shape, as torch's ``t_()`` and ``unsqueeze_()`` do: the values stay where they are,
        the version is bumped, and when recording self takes over result's node."""
        if result.grad_fn is not None:
            self._rebase(result.grad_fn)
        if self._storage is not None:  # (still the same view of the same storage)
            self._storage = (storage_start(self), result._data)
        self._data = result._data
        self._version.value += 1
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value) -> Tensor:
        self._check_inplace()
        v = value._data if isinstance(value, Tensor) else value
        self._data[...] = v
        self._version.value += 1
        if _state["grad"] and self.grad_fn is not None:  # the new value is a constant
            self.grad_fn, self._requires_grad = (
                None,
                isinstance(value, Tensor) and value.requires_grad,
            )
        return self

    def copy_(self, src, non_blocking: bool = False) -> Tensor:
        src = src if isinstance(src, Tensor) else Tensor._make(np.asarray(src), False, None)
        try:
            np.broadcast_to(src._data, self._data.shape)
        except ValueError:
            raise RuntimeError(
                f"copy_: source of shape {tuple(src.shape)} does not broadcast to the destination "
                f"shape {tuple(self.shape)}"
            ) from None
        if _state["grad"] and src._requires_grad:
            from feedforward.ops.shape import Expand

            result = Expand.apply(src.to(self.dtype), self._data.shape)
            return self._inplace(result.clone())
        self._check_inplace()
        np.copyto(self._data, src._data, casting="unsafe")
        self._version.value += 1
        if _state["grad"] and self.grad_fn is not None:
            self.grad_fn, self._requires_grad = None, False
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
        from feedforward.random import _generator

        self._check_inplace()
        values = _generator(generator).normal(mean, std, self._data.shape)
        self._data[...] = values
        self._version.value += 1
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
        from feedforward.random import _generator

        self._check_inplace()
        self._data[...] = _generator(generator).uniform(a, b, self._data.shape)
        self._version.value += 1
        return self

    def bernoulli_(self, p: float = 0.5, *, generator=None) -> Tensor:
        from feedforward.random import _generator

        self._check_inplace()
        self._data[...] = _generator(generator).random(self._data.shape) < p
        self._version.value += 1
        return self

    # ------------------------------------------------------------------ indexing

    def __getitem__(self, index):
        from feedforward.ops.indexing import BasicIndex, Index, _is_basic

        index = _convert_index(index)
        _check_index(self._data.shape, index)
        op = BasicIndex if _is_basic(index) else Index
        return op.apply(self, index)

    def __setitem__(self, index, value) -> None:
        from feedforward.ops.indexing import IndexPut

        index = _convert_index(index)
        _check_index(self._data.shape, index)
        if _state["grad"] and (
            self._requires_grad or isinstance(value, Tensor) and value._requires_grad
        ):
            if self._requires_grad and self.grad_fn is None:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation."
                )
            value = (
                value
                if isinstance(value, Tensor)
                else Tensor._make(np.asarray(value, dtype=self._data.dtype), False, None)
            )
            if value._data.dtype != self._data.dtype:
                value = value.to(self.dtype)
            self._inplace(IndexPut.apply(self._as_input(), value, index))
            return
        self._data[index] = value._data if isinstance(value, Tensor) else value
        self._version.value += 1


def _memory_owner(array: np.ndarray):
    """The object at the end of NumPy's chain of bases: the one holding the memory."""
    while (base := getattr(array, "base", None)) is not None:
        array = base
    return array


class _RemovableHook:
    def __init__(self, hooks: list, hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _convert_index(index):
    """Tensors inside an index become arrays; a list of ints becomes an integer array."""
    if isinstance(index, tuple):
        return tuple(_convert_index_item(i) for i in index)
    return _convert_index_item(index)


def _convert_index_item(i):
    if isinstance(i, Tensor):
        return i._data
    if isinstance(i, list):
        arr = np.asarray([x._data if isinstance(x, Tensor) else x for x in i])
        return arr
    return i


def _dims_taken(item) -> int:
    """How many dims of the indexed tensor one index item consumes."""
    if item is None or item is Ellipsis:
        return 0
    if isinstance(item, np.ndarray) and item.dtype == bool:
        return item.ndim
    return 1


def _check_index(shape: tuple, index) -> None:
    """torch's IndexError for an integer out of range (NumPy's message lacks the dim)."""
    items = index if isinstance(index, tuple) else (index,)
    dim = 0
    for pos, i in enumerate(items):
        if i is Ellipsis:  # it spans the dims that the items after it do not take
            dim = len(shape) - sum(_dims_taken(j) for j in items[pos + 1 :])
            continue
        if i is None:
            continue
        if dim >= len(shape):
            raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
        if isinstance(i, int | np.integer) and not isinstance(i, bool):
            if not -shape[dim] <= i < shape[dim]:
                raise IndexError(
                    f"index {i} is out of bounds for dimension {dim} with size {shape[dim]}"
                )
        elif isinstance(i, np.ndarray) and i.dtype.kind in "iu" and i.size:
            if i.max() >= shape[dim] or i.min() < -shape[dim]:
                bad = i.max() if i.max() >= shape[dim] else i.min()
                raise IndexError(
                    f"index {bad} is out of bounds for dimension {dim} with size {shape[dim]}"
                )
        elif isinstance(i, np.ndarray) and i.dtype == bool:
            if i.shape != tuple(shape[dim : dim + i.ndim]):
                raise IndexError(
                    f"The shape of the mask {list(i.shape)} at index {dim} does not match the "
                    "shape "
                    f"of the indexed tensor {list(shape[dim : dim + i.ndim])} at index {dim}"
                )
            dim += i.ndim
            continue
        dim += 1


# the op machinery and the engine need the class, and this module needs them first
_function.Tensor = _engine.Tensor = Tensor
