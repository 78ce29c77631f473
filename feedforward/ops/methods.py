"""Bind the functions of ``api`` to ``Tensor`` as methods, operators and in-place variants.

``x.exp()`` is ``ff.exp(x)``, ``a + b`` is ``ff.add(a, b)``, ``10 ** t`` is ``ff.pow(10, t)``,
and ``x.add_(y)`` computes ``ff.add(x, y)`` then writes it into x (``Tensor._inplace``).
"""

from __future__ import annotations

import builtins

import numpy as np

from feedforward.autograd import anomaly
from feedforward.autograd.function import unrecorded
from feedforward.autograd.grad_mode import _state
from feedforward.ops import api
from feedforward.ops import elementwise as E
from feedforward.ops import indexing as I
from feedforward.ops import linalg as L
from feedforward.ops._util import C_TYPE_NAMES, can_cast, type_name
from feedforward.tensor import Size, Tensor, _RemovableHook

# methods whose first argument is the tensor itself, same name as the function
_SAME_NAME = """
add sub mul div true_divide floor_divide remainder pow neg maximum minimum matmul mm bmm dot
exp expm1 log log1p log2 log10 sqrt rsqrt abs sin cos tanh sigmoid relu sign floor ceil trunc round
square reciprocal clamp clip clamp_min clamp_max nonzero
eq ne lt le gt ge greater greater_equal less less_equal not_equal
logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not
isnan isinf isfinite equal allclose isclose
sum mean prod var std max min amax amin argmax argmin logsumexp softmax log_softmax cumsum norm
all any count_nonzero
reshape view view_as reshape_as flatten unflatten squeeze unsqueeze transpose swapaxes swapdims t
permute movedim expand expand_as broadcast_to repeat split chunk unbind flip
gather take_along_dim scatter scatter_add scatter_reduce index_select index_fill argwhere unique
masked_fill sort argsort topk tril triu outer
narrow select ravel roll moveaxis diag diagonal trace cumprod tile repeat_interleave nan_to_num
lerp addcmul addcdiv addmm mv sinh cosh atan2 fmod frac xlogy nanmean nansum tensor_split median
masked_select take histc cummax cummin unfold
tan asin acos atan asinh acosh atanh arcsin arccos arctan arctan2 arcsinh arccosh arctanh erf erfc
erfinv exp2 logit hypot logaddexp logaddexp2 deg2rad rad2deg sgn signbit isneginf isposinf isreal
fmax fmin heaviside subtract absolute positive sinc float_power copysign nextafter ldexp gcd lcm
kthvalue mode nanmedian quantile nanquantile aminmax bincount logcumsumexp cov corrcoef msort
unique_consecutive histogram
diff hsplit vsplit dsplit fliplr flipud rot90 kron inner vdot cross diag_embed diagflat index_add
index_copy masked_scatter
det inverse svd slogdet logdet pinverse qr cholesky
addmv addr addbmm baddbmm ger dist renorm
frexp bitwise_left_shift bitwise_right_shift is_complex is_nonzero is_same_size is_signed
is_inference split_with_sizes unsafe_split unsafe_split_with_sizes unsafe_chunk select_scatter
slice_scatter diagonal_scatter index_reduce conj resolve_conj resolve_neg conj_physical is_conj
is_neg angle
""".split()

for _name in _SAME_NAME:
    setattr(Tensor, _name, getattr(api, _name))

Tensor.negative = api.neg


def _matrix_power(self, n):
    api._check_power(n, 1)  # (torch counts from the first argument after self)
    return api.matrix_power(self, n)


Tensor.matrix_power = _matrix_power


def _where(self, condition, other):
    return api.where(condition, self, other)


def _type_as(self, other):
    return self.to(other.dtype)


def _bernoulli(self, p=None, *, generator=None):
    from feedforward.creation import bernoulli

    return bernoulli(self, p, generator=generator)


def _multinomial(self, num_samples, replacement=False, *, generator=None):
    from feedforward.creation import multinomial

    return multinomial(self, num_samples, replacement, generator=generator)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    from feedforward.creation import tensor

    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    from feedforward.creation import zeros

    return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    from feedforward.creation import ones

    return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    from feedforward.creation import full

    return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    from feedforward.creation import empty

    return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


Tensor.where = _where
Tensor.type_as = _type_as
Tensor.new_tensor = _new_tensor
Tensor.new_zeros = _new_zeros
Tensor.new_ones = _new_ones
Tensor.new_full = _new_full
Tensor.new_empty = _new_empty


def _new(self, *args, device=None):
    """The legacy constructor, in self's dtype: ``x.new(2, 3)`` (sizes, or a Size) is
    uninitialised, ``x.new([1, 2])`` holds that data, ``x.new(t)`` shares t's memory (t of
    self's dtype), ``x.new()`` is empty."""
    from feedforward.creation import empty, tensor

    if len(args) == 1 and isinstance(args[0], Tensor):
        other = args[0]
        if other.dtype is not self.dtype:
            raise TypeError(
                f"expected {_options(self._data.dtype)} (got {_options(other._data.dtype)})"
            )
        return other.detach()
    if builtins.all(isinstance(a, int | np.integer) for a in args) or (
        len(args) == 1 and isinstance(args[0], Size)
    ):
        return empty(*(args or (0,)), dtype=self.dtype)
    if len(args) == 1:
        if not isinstance(args[0], list | tuple | np.ndarray):
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        return tensor(args[0], dtype=self.dtype)
    raise TypeError(f"new(): expected sizes, data or a tensor, got {len(args)} arguments")


def _options(dtype: np.dtype) -> str:
    return (
        f"TensorOptions(dtype={C_TYPE_NAMES[dtype.name]}, device=cpu, layout=Strided, "
        "requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt))"
    )


def _register_post_accumulate_grad_hook(self, hook):
    """Call ``hook(self)`` after a backward pass has added into this leaf's ``.grad`` (an
    optimizer step per parameter, as torch's). Returns a handle whose ``remove()`` undoes it."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if self._post_accumulate_hooks is None:
        self._post_accumulate_hooks = []
    self._post_accumulate_hooks.append(hook)
    return _RemovableHook(self._post_accumulate_hooks, hook)


def _imag(self):
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


Tensor.new = _new
Tensor.register_post_accumulate_grad_hook = _register_post_accumulate_grad_hook
Tensor.output_nr = property(
    lambda self: getattr(self.grad_fn, "_output_nr", 0) if self.grad_fn is not None else 0,
    doc="Which of its node's outputs this tensor is (0 for a leaf).",
)
Tensor.real = property(lambda self: self, doc="Self: a real tensor is its own real part.")
Tensor.imag = property(_imag)
Tensor.is_cpu = property(lambda self: True)
for _name in """is_sparse is_sparse_csr is_quantized is_meta is_mkldnn is_nested is_xpu is_mps
is_vulkan is_ipu is_maia is_mtia is_xla""".split():  # (CPU tensors, strided, dense)
    setattr(Tensor, _name, property(lambda self: False))
Tensor.conj_physical_ = lambda self: self
Tensor.bernoulli = _bernoulli
Tensor.multinomial = _multinomial
Tensor.T = property(lambda self: api.permute(self, *reversed(range(self.ndim))))
Tensor.mT = property(lambda self: api.transpose(self, -2, -1))
Tensor.H = Tensor.T


# ---------------------------------------------------------------- operators


def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    return method


def _operand(other):
    """What an operator accepts besides tensors: numbers and NumPy arrays (as constants)."""
    if isinstance(other, Tensor | int | float | bool | np.number | np.bool_):
        return other
    if isinstance(other, np.ndarray):
        return Tensor._make(other, False, None)
    return NotImplemented


def _binary_operator(fn):
    def method(self, other):
        other = _operand(other)
        return NotImplemented if other is NotImplemented else fn(self, other)

    return method


def _rbinary_operator(fn):
    def method(self, other):
        other = _operand(other)
        return NotImplemented if other is NotImplemented else fn(other, self)

    return method


def _rmatmul(self, other):
    return api.matmul(api._tensor(other), self)


# The hot operators call their op directly: one Python call less per arithmetic operation.
# Between two tensors with no graph to record (evaluation, no_grad, constants) they skip apply's
# general path too; the op's forward still does the work (see ``unrecorded``).
def _direct(op):
    apply = op.apply

    def method(self, other):
        if (
            isinstance(other, Tensor)
            and not (_state["grad"] and (self._requires_grad or other._requires_grad))
            and not anomaly._enabled
        ):
            return unrecorded(op, (self._data, other._data))
        return apply(self, other)

    return method


def _reflected_direct(op):
    def method(self, other):
        return op.apply(other, self)

    return method


for _name, _op in {
    "add": E.Add,
    "sub": E.Sub,
    "mul": E.Mul,
    "truediv": E.Div,
    "pow": E.Pow,
    "mod": E.Remainder,
}.items():
    setattr(Tensor, f"__{_name}__", _direct(_op))
    setattr(Tensor, f"__r{_name}__", _reflected_direct(_op))
Tensor.__matmul__ = _direct(L.MatMul)
Tensor.__floordiv__ = _binary_operator(api.floor_divide)
Tensor.__rfloordiv__ = _rbinary_operator(api.floor_divide)
Tensor.__rmatmul__ = _rmatmul

for _op, _fn in {
    "eq": api.eq,
    "ne": api.ne,
    "lt": api.lt,
    "le": api.le,
    "gt": api.gt,
    "ge": api.ge,
}.items():
    setattr(Tensor, f"__{_op}__", _binary_operator(_fn))

Tensor.__neg__ = api.neg
Tensor.__pos__ = api.positive
Tensor.__abs__ = api.abs
Tensor.__invert__ = api.bitwise_not
Tensor.__and__ = _binary_operator(api.bitwise_and)
Tensor.__or__ = _binary_operator(api.bitwise_or)
Tensor.__xor__ = _binary_operator(api.bitwise_xor)
# (and, or and xor commute: 3 & x is x & 3, whose function takes the number second)
Tensor.__rand__ = Tensor.__and__
Tensor.__ror__ = Tensor.__or__
Tensor.__rxor__ = Tensor.__xor__
Tensor.__lshift__ = _binary_operator(api.bitwise_left_shift)
Tensor.__rshift__ = _binary_operator(api.bitwise_right_shift)
Tensor.__rlshift__ = _rbinary_operator(api.bitwise_left_shift)
Tensor.__rrshift__ = _rbinary_operator(api.bitwise_right_shift)


# ---------------------------------------------------------------- in-place variants


def _inplace_method(fn):
    """``x.op_(...)``: compute ``op(x, ...)`` out of place, then make it x's new value."""

    def method(self, *args, **kwargs):
        current = self._as_input()
        args = [current if a is self else a for a in args]  # x.mul_(x) reads the old x twice
        return self._inplace(fn(current, *args, **kwargs))

    method.__name__ = fn.__name__ + "_"
    return method


for _name in """add sub mul div pow clamp clamp_min clamp_max relu sigmoid tanh exp log sqrt neg abs
floor ceil round trunc masked_fill remainder floor_divide sign reciprocal square""".split():
    setattr(Tensor, _name + "_", _inplace_method(getattr(api, _name)))
Tensor.clip_ = Tensor.clamp_
for _name in "lerp addcmul addcdiv addmm nan_to_num fmod frac sinh cosh atan2 xlogy".split():
    setattr(Tensor, _name + "_", _inplace_method(getattr(api, _name)))
for _name in """tan asin acos atan asinh acosh atanh arcsin arccos arctan arctan2 arcsinh arccosh
arctanh erf erfc erfinv exp2 logit hypot deg2rad rad2deg sgn sinc copysign nextafter
subtract absolute gcd lcm""".split():
    setattr(Tensor, _name + "_", _inplace_method(getattr(api, _name)))
for _name in """sin cos expm1 log1p log2 log10 rsqrt divide multiply true_divide fix negative
bitwise_and bitwise_or bitwise_xor bitwise_not logical_and logical_or logical_xor logical_not
cumsum cumprod tril triu bitwise_left_shift bitwise_right_shift""".split():
    setattr(Tensor, _name + "_", _inplace_method(getattr(api, _name)))
for _name in "divide multiply fix".split():
    setattr(Tensor, _name, getattr(api, _name))


def _heaviside_(self, values):
    out = api.heaviside(self._as_input(), values)
    if out.grad_fn is not None:
        out.grad_fn.aten_name = "heaviside_"  # torch's refusal to differentiate names heaviside_
    return self._inplace(out)


def _float_power_(self, exponent):
    """In place only into a float64 tensor: torch refuses to cast float_power's result."""
    if self._data.dtype != np.float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {type_name(self)} but the operation's "
            "result requires dtype Double"
        )
    return self._inplace(api.float_power(self._as_input(), exponent))


def _ldexp_(self, other):
    result = api.ldexp(self._as_input(), other)
    if not can_cast(result._data.dtype, self._data.dtype):  # torch's own words here
        raise RuntimeError(f"ldexp can't be cast to the desired output type {type_name(self)}")
    return self._inplace(result)


def _product_inplace(fn, check_shape: bool):
    """``x.addmv_(mat, vec)`` and the like; where ``check_shape``, x must have the result's
    shape, with torch's words (x.add_'s are other ones)."""

    def method(self, *args, **kwargs):
        result = fn(self._as_input(), *args, **kwargs)
        if check_shape and result.shape != self.shape:
            raise RuntimeError(
                f"Bad in-place call: input tensor size {list(self.shape)} and output tensor size "
                f"{list(result.shape)} should match"
            )
        return self._inplace(result)

    method.__name__ = fn.__name__ + "_"
    return method


def _addr_(self, vec1, vec2, *, beta=1, alpha=1):
    if self.ndim != 2:
        raise RuntimeError(f"2D tensor expected, got {self.ndim}D tensor for input")
    return self._inplace(api.addr(self._as_input(), vec1, vec2, beta=beta, alpha=alpha))


Tensor.addmv_ = _product_inplace(api.addmv, True)
Tensor.baddbmm_ = _product_inplace(api.baddbmm, True)
Tensor.addbmm_ = _product_inplace(api.addbmm, False)
Tensor.renorm_ = _product_inplace(api.renorm, False)
Tensor.addr_ = _addr_
Tensor.float_power_ = _float_power_
Tensor.heaviside_ = _heaviside_
Tensor.ldexp_ = _ldexp_


def _checked_operand(method, name: str, arg: str):
    """A method whose operand must be a tensor, with torch's TypeError for a number: a method's
    message counts the arguments after self (``x.hypot(2)``: position 1, ``ff.hypot(x, 2)``: 2)."""

    def checked(self, other, *args, **kwargs):
        api._check_tensor(other, name, arg, 1)
        return method(self, other, *args, **kwargs)

    checked.__name__ = name
    return checked


for _name in """atan2 arctan2 hypot logaddexp logaddexp2 fmax fmin heaviside nextafter ldexp gcd
lcm dist""".split():
    _arg = "values" if _name == "heaviside" else "other"
    setattr(Tensor, _name, _checked_operand(getattr(Tensor, _name), _name, _arg))
    if hasattr(Tensor, _name + "_"):
        _inplace = getattr(Tensor, _name + "_")
        setattr(Tensor, _name + "_", _checked_operand(_inplace, _name + "_", _arg))

for _op, _name in {
    "iadd": "add_",
    "isub": "sub_",
    "imul": "mul_",
    "itruediv": "div_",
    "ipow": "pow_",
    "imod": "remainder_",
    "ifloordiv": "floor_divide_",
    "ilshift": "bitwise_left_shift_",
    "irshift": "bitwise_right_shift_",
}.items():
    setattr(Tensor, f"__{_op}__", getattr(Tensor, _name))


def _scatter_add_(self, dim, index, src):
    return self._inplace(api.scatter_add(self._as_input(), dim, index, src))


def _index_fill_(self, dim, index, value):
    return self._inplace(api.index_fill(self._as_input(), dim, index, value))


def _fill_diagonal_(self, fill_value, wrap: bool = False):
    """The main diagonal (of a matrix, or of a tensor with every dim the same length) set to
    ``fill_value``; ``wrap`` restarts it below a tall matrix's square part, as NumPy's."""
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.ndim > 2 and len(set(self.shape)) > 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(self.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return self._inplace(
        api._named(api.masked_fill(self._as_input(), mask, fill_value), "CopySlices")
    )


def _scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    out = api.scatter(self._as_input(), dim, index, src, value=value, reduce=reduce)
    if reduce is not None and out.grad_fn is not None:
        out.grad_fn.aten_name = "scatter_"  # torch's refusal to differentiate names scatter_
    return self._inplace(out)


def _scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    out = api.scatter_reduce(self._as_input(), dim, index, src, reduce, include_self=include_self)
    return self._inplace(out)


def _index_add_(self, dim, index, source, *, alpha=1):
    return self._inplace(api.index_add(self._as_input(), dim, index, source, alpha=alpha))


def _index_reduce_(self, dim, index, source, reduce, *, include_self=True):
    out = api.index_reduce(self._as_input(), dim, index, source, reduce, include_self=include_self)
    return self._inplace(out)


def _index_copy_(self, dim, index, source):
    return self._inplace(api.index_copy(self._as_input(), dim, index, source))


def _masked_scatter_(self, mask, source):
    """In place the mask broadcasts to self (self does not grow to the mask's shape)."""
    mask_data = api._masked_scatter_checks(self, mask, source)
    if mask_data.shape != self._data.shape:  # torch's error where it does not
        api.expand(mask.detach(), self.shape)
    current = self._as_input()
    mask_data = np.broadcast_to(mask_data, self._data.shape)
    api._check_source_size(mask_data, source)
    return self._inplace(I.MaskedScatter.apply(current, mask_data, source))


def _shape_inplace(fn, torch_name):
    """``x.t_()``, ``x.unsqueeze_(0)``, ...: x itself takes the shape of ``fn(x)`` (a view), as
    torch's in-place shape ops: the values stay, the version is bumped, and while recording x's
    node becomes that view's (torch names it ``torch_name``: TBackward1, not TBackward0)."""

    def method(self, *args, **kwargs):
        self._check_inplace()
        self._check_inplace_view()
        current = Tensor._make(self._data, self._requires_grad, self.grad_fn)  # self until now
        out = fn(current, *args, **kwargs)
        return self._inplace_view(api._named(out, torch_name(*args, **kwargs)))

    method.__name__ = fn.__name__.strip("_") + "_"
    return method


def _t(input):
    if input.ndim > 2:  # (t_'s own words)
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return api.t(input)


def _squeeze_name(dim=None) -> str:  # torch's in-place overloads: squeeze_(), (dim), (dims)
    return f"SqueezeBackward{3 if dim is None else 5 if isinstance(dim, tuple | list) else 4}"


def _compare_inplace(fn, torch_name: str):
    """``x.eq_(y)`` and the like: x's elements become the comparison's 0s and 1s."""

    def method(self, other):
        current = self._as_input()
        result = fn(current, other)._data
        other = other._data if isinstance(other, Tensor) and not other._requires_grad else other
        return self._inplace(E.Compared.apply(current, other, result, torch_name))

    method.__name__ = fn.__name__ + "_"
    return method


for _name, _node in {
    "eq": "Eq", "ne": "Ne", "lt": "Lt", "le": "Le", "gt": "Gt", "ge": "Ge", "greater": "Gt",
    "greater_equal": "Ge", "less": "Lt", "less_equal": "Le", "not_equal": "Ne",
}.items():  # fmt: skip
    setattr(Tensor, _name + "_", _compare_inplace(getattr(api, _name), f"{_node}Backward0"))


def _put_(self, index, source, accumulate: bool = False):
    return self._inplace(api.put(self._as_input(), index, source, accumulate))


def _index_put_(self, indices, values, accumulate: bool = False):
    return self._inplace(api.index_put(self._as_input(), indices, values, accumulate))


def _sum_to_size(self, *size):
    """Self summed down to ``size``, a shape self is a broadcast of: ``grad.sum_to_size(b.shape)``
    undoes the broadcast of b, as a backward does."""
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], tuple | list) else size
    lead = self.ndim - len(size)
    if lead < 0 or builtins.any(s not in (1, n) for s, n in zip(size, self.shape[lead:])):
        raise RuntimeError(
            f"size {{{list(size)}}} is not expandable to size {{{list(self.shape)}}}."
        )
    ones = tuple(lead + i for i, s in enumerate(size) if s == 1 and self.shape[lead + i] != 1)
    dims = (*range(lead), *ones)
    if not dims:
        return self
    out = api.sum(self, dims, keepdim=True)  # then a view without the leading dims, as torch
    return out.reshape(size) if lead else out


def _refuse_grad(self, name: str) -> None:
    if self.requires_grad:
        raise RuntimeError(
            f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() "
            "instead."
        )


def _apply_(self, callable):
    """Every element replaced by ``callable(element)``, one Python call each (slow: for small
    tensors and tests), as torch's CPU ``apply_``."""
    _refuse_grad(self, "apply_")
    self._check_inplace()
    values = [callable(v) for v in self._data.reshape(-1).tolist()]
    self._data[...] = np.asarray(values).astype(self._data.dtype).reshape(self._data.shape)
    self._version.value += 1
    return self


def _map_(self, tensor, callable):
    """Every element replaced by ``callable(element, other)``, ``tensor`` broadcast to self."""
    _refuse_grad(self, "map_")
    self._check_inplace()
    other = api.expand(tensor, self.shape)._data.reshape(-1).tolist()
    values = [callable(a, b) for a, b in zip(self._data.reshape(-1).tolist(), other)]
    self._data[...] = np.asarray(values).astype(self._data.dtype).reshape(self._data.shape)
    self._version.value += 1
    return self


Tensor.put = api.put
Tensor.put_ = _put_
Tensor.index_put = api.index_put
Tensor.index_put_ = _index_put_
Tensor.sum_to_size = _sum_to_size
Tensor.apply_ = _apply_
Tensor.map_ = _map_
Tensor.scatter_add_ = _scatter_add_
Tensor.scatter_ = _scatter_
Tensor.scatter_reduce_ = _scatter_reduce_
Tensor.index_fill_ = _index_fill_
Tensor.fill_diagonal_ = _fill_diagonal_
Tensor.ndimension = Tensor.dim
Tensor.index_add_ = _index_add_
Tensor.index_copy_ = _index_copy_
Tensor.index_reduce_ = _index_reduce_
Tensor.masked_scatter_ = _masked_scatter_
Tensor.t_ = _shape_inplace(_t, lambda: "TBackward1")
Tensor.transpose_ = _shape_inplace(api.transpose, lambda *a, **k: "TransposeBackward1")
Tensor.swapaxes_ = Tensor.swapdims_ = Tensor.transpose_
Tensor.unsqueeze_ = _shape_inplace(api.unsqueeze, lambda *a, **k: "UnsqueezeBackward1")
Tensor.squeeze_ = _shape_inplace(api.squeeze, _squeeze_name)


# torch's in-place functions: torch.sin_(x) is x.sin_() (ff.__init__ exports them)
INPLACE_FUNCTIONS = {
    name: getattr(Tensor, name)
    for name in """abs_ acos_ acosh_ addmv_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_
    asin_ asinh_ atan_ atanh_ ceil_ clamp_ clamp_max_ clamp_min_ clip_
    conj_physical_ cos_ cosh_ deg2rad_ detach_ erf_ erfc_ exp2_ exp_ expm1_ fill_
    fix_ floor_ frac_ gcd_ index_put_ lcm_ ldexp_ log_ log10_ log1p_ log2_ logit_
    nan_to_num_ neg_ negative_ rad2deg_ reciprocal_ relu_ round_ rsqrt_ sigmoid_
    sin_ sinc_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ xlogy_ zero_""".split()
}
