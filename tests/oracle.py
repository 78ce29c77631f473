"""The parity harness: run one callable on feedforward and on torch, compare values and gradients.

Because feedforward mirrors torch's API, most cases are a single lambda that works on both
(``lambda x, y: x + y``, ``lambda x: x.sum(dim=1)``). Adding an op to the suite is adding a row.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

import feedforward as ff

TORCH_DTYPES = {
    np.dtype("float32"): torch.float32,
    np.dtype("float64"): torch.float64,
    np.dtype("int64"): torch.int64,
    np.dtype("int32"): torch.int32,
    np.dtype("bool"): torch.bool,
    np.dtype("uint8"): torch.uint8,
}
TOL = {
    np.dtype("float32"): dict(rtol=2e-4, atol=2e-5),
    np.dtype("float64"): dict(rtol=1e-9, atol=1e-11),
}


@dataclass
class Case:
    """One op: a callable for both libraries and how to make its inputs."""

    name: str
    fn: object
    shapes: list  # one shape per tensor input
    low: float = -2.0
    high: float = 2.0
    grad: bool = True  # differentiable in the float inputs
    int_inputs: tuple = ()  # indices of inputs drawn as int64 in [0, int_high)
    int_high: int = 3
    bool_inputs: tuple = ()
    gradcheck: bool = True
    dtypes: tuple = ("float32", "float64")
    tol: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return self.name


def make_inputs(case: Case, dtype: str, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for i, shape in enumerate(case.shapes):
        if i in case.int_inputs:
            arrays.append(rng.integers(0, case.int_high, size=shape).astype(np.int64))
        elif i in case.bool_inputs:
            arrays.append(rng.random(shape) < 0.5)
        else:
            arrays.append(rng.uniform(case.low, case.high, size=shape).astype(dtype))
    return arrays


def to_ff(arrays, grad: bool):
    return [ff.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]


def to_torch(arrays, grad: bool):
    return [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]


def as_numpy(x):
    if isinstance(x, ff.Tensor):
        return x.detach().numpy()
    if isinstance(x, torch.Tensor):  # (force: sgn's gradient is one of torch's ZeroTensors)
        return x.detach().numpy(force=True)
    return np.asarray(x)


def assert_same(ff_value, torch_value, what: str, **tol) -> None:
    """Same shape, same dtype, values within tolerance (exact for integers and bools)."""
    if isinstance(torch_value, tuple | list):
        assert len(ff_value) == len(torch_value), what
        for i, (a, b) in enumerate(zip(ff_value, torch_value)):
            assert_same(a, b, f"{what}[{i}]", **tol)
        return
    a, b = as_numpy(ff_value), as_numpy(torch_value)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != torch {b.dtype}"
    if a.dtype.kind == "f":
        t = tol or TOL[a.dtype]
        np.testing.assert_allclose(a, b, err_msg=what, equal_nan=True, **t)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def check_case(case: Case, dtype: str, seed: int = 0) -> None:
    """Values, dtypes and shapes of the output, then the gradient of every float input."""
    arrays = make_inputs(case, dtype, seed)
    fx, tx = to_ff(arrays, case.grad), to_torch(arrays, case.grad)
    fo, to = case.fn(*fx), case.fn(*tx)
    tol = case.tol.get(dtype, {})
    assert_same(fo, to, f"{case.name} {dtype} forward", **tol)
    if not case.grad:
        return
    fo = fo[0] if isinstance(fo, tuple) else fo
    to = to[0] if isinstance(to, tuple) else to
    if not to.requires_grad:
        return
    upstream = np.random.default_rng(seed + 1).standard_normal(tuple(to.shape)).astype(dtype)
    fo.backward(ff.tensor(upstream))
    to.backward(torch.tensor(upstream))
    for i, (a, b) in enumerate(zip(fx, tx)):
        if b.requires_grad:
            assert (a.grad is None) == (b.grad is None), f"{case.name}: grad of input {i} presence"
            if b.grad is not None:
                assert_same(a.grad, b.grad, f"{case.name} {dtype} grad of input {i}", **tol)


# NaN, infs, signed zeros and the usual kinks. No far tails (|x| ~ 100), where float32 kernels
# may round an exponential's tiny result to 0 or keep it as a denormal.
NON_FINITE = (np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -3.0, 3.0, 6.0, -20.0, 20.0)


def check_nonfinite(case: Case, dtype: str, seed: int = 0) -> None:
    """``check_case`` with every float input, and the upstream gradient, drawn from
    ``NON_FINITE``: the same NaNs, infs and exact zeros as torch (a masked gradient is 0 where
    the mask is off, even where the upstream one is NaN), and no NumPy RuntimeWarning from
    backward (torch gives none)."""
    rng = np.random.default_rng(seed)
    arrays = [
        rng.choice(NON_FINITE, size=a.shape).astype(dtype) if a.dtype.kind == "f" else a
        for a in make_inputs(case, dtype, seed)
    ]
    fx, tx = to_ff(arrays, case.grad), to_torch(arrays, case.grad)
    with warnings.catch_warnings():  # NumPy's own, for inf - inf and such: kept
        warnings.simplefilter("ignore", RuntimeWarning)
        fo, to = case.fn(*fx), case.fn(*tx)
    assert_same(fo, to, f"{case.name} {dtype} forward", **case.tol.get(dtype, {}))
    fo = fo[0] if isinstance(fo, tuple) else fo
    to = to[0] if isinstance(to, tuple) else to
    if not case.grad or not to.requires_grad:
        return
    upstream = rng.choice(NON_FINITE, size=tuple(to.shape)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fo.backward(ff.tensor(upstream))
    to.backward(torch.tensor(upstream))
    for i, (a, b) in enumerate(zip(fx, tx)):
        if b.requires_grad:
            what = f"{case.name} {dtype} grad of input {i}"
            assert_same(a.grad, b.grad, what, **case.tol.get(dtype, {}))


def check_gradcheck(case: Case, seed: int = 0) -> None:
    arrays = make_inputs(case, "float64", seed)
    fx = to_ff(arrays, True)

    def fn(*xs):
        out = case.fn(*xs)
        return out[0] if isinstance(out, tuple) else out

    assert ff.autograd.gradcheck(fn, tuple(fx), eps=1e-6, atol=1e-5, rtol=1e-3)
