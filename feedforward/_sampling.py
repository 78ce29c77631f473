"""The in-place random fills torch has besides ``normal_``, ``uniform_`` and ``bernoulli_``
(those are in tensor.py): ``x.random_(to)``, ``exponential_``, ``geometric_``, ``log_normal_``,
``cauchy_``. Each checks its parameters and the tensor's dtype as torch does, then draws from
the generator (NumPy's PCG64: the distributions are torch's, the numbers are not).
"""

from __future__ import annotations

import warnings

import numpy as np

from feedforward.ops._util import C_TYPE_NAMES, SCALAR_TYPE_NAMES, kernel_error
from feedforward.random import _generator
from feedforward.tensor import Tensor

_FLOAT_EXACT = 1 << 24  # float32 holds every integer up to 2^24 (torch checks all floats so)
_MANTISSA_BITS = {"float16": 11, "float32": 24, "float64": 53}


def _fill(self: Tensor, values: np.ndarray) -> Tensor:
    self._check_inplace()
    self._data[...] = values  # (cast into the tensor's dtype)
    self._version.value += 1
    return self


def _bounds(dtype: np.dtype) -> tuple[int, int]:
    if dtype == np.bool_:
        return 0, 1
    if dtype.kind == "f":
        return -_FLOAT_EXACT, _FLOAT_EXACT
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def random_(self: Tensor, from_=None, to=None, *, generator=None) -> Tensor:
    """Integers drawn uniformly from [from, to): ``x.random_(10)`` gives 0..9, ``x.random_()``
    0 up to the largest integer the dtype holds exactly (2^24 for float32, as torch)."""
    for value in (from_, to):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(
                f"random_() received an invalid combination of arguments - got "
                f"({type(value).__name__})"
            )
    dtype = self._data.dtype
    if from_ is not None and to is None:  # random_(to)
        from_, to = 0, from_
    if to is None:  # the dtype's whole range of exact integers from 0
        low = 0
        high = (1 << _MANTISSA_BITS[dtype.name]) + 1 if dtype.kind == "f" else _bounds(dtype)[1] + 1
    else:
        low, high = from_, to
        if low >= high:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
            )
        lo, hi = _bounds(dtype)
        for name, value in (("from", low), ("to - 1", high - 1)):
            if lo <= value <= hi:
                continue
            if dtype.kind != "f":
                raise RuntimeError(f"{name} is out of bounds for {C_TYPE_NAMES[dtype.name]}")
            warnings.warn(
                f"{name} is out of bounds [-(2^24), 2^24]. Due to precision limitations float "
                "can support discrete uniform distribution only within this range. This warning "
                "will become an error in version 1.7 release, please fix the code in advance",
                UserWarning,
                stacklevel=2,
            )
    # (inclusive of high - 1: int64's whole range ends at 2^63 - 1, which an exclusive 2^63 passes)
    values = _generator(generator).integers(low, high - 1, self._data.shape, endpoint=True)
    return _fill(self, values)


def _check_continuous(self: Tensor, distribution: str, dtype_names: dict) -> None:
    """torch's refusal to fill an integer tensor from a continuous distribution; ``dtype_names``
    spells the dtype as that distribution's message does (Long, or long int)."""
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            f"{distribution} distribution is a continuous probability distribution. dtype must "
            f"be a floating point but you specified {dtype_names[self._data.dtype.name]}"
        )


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Draws from Exp(lambd): density lambd * exp(-lambd x) for x >= 0."""
    _check_continuous(self, "Exponential", SCALAR_TYPE_NAMES)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, _generator(generator).exponential(1 / lambd, self._data.shape))


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """The number of Bernoulli(p) trials up to the first success: 1, 2, ..."""
    if self._data.dtype == np.bool_:
        raise kernel_error("geometric_cpu", self._data.dtype)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(self, _generator(generator).geometric(p, self._data.shape))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """exp of draws from N(mean, std^2)."""
    if self._data.dtype.kind != "f":
        raise kernel_error("log_normal_cpu", self._data.dtype)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(self, _generator(generator).lognormal(mean, std, self._data.shape))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Draws from the Cauchy distribution: median + sigma * tan(pi * (U - 1/2))."""
    _check_continuous(self, "Cauchy", C_TYPE_NAMES)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return _fill(self, median + sigma * _generator(generator).standard_cauchy(self._data.shape))


for _method in (random_, exponential_, geometric_, log_normal_, cauchy_):
    setattr(Tensor, _method.__name__, _method)
