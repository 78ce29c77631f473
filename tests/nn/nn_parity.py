"""Parity harness for the nn tests: run one callable on feedforward and on torch, compare the
output and the gradient of every float input, in float32 and float64.

A case's ``fn`` receives a namespace ``L`` (``L.F`` the functional module, ``L.nn`` the layers,
``L.lib`` the library: ff or torch) followed by the input tensors, so one lambda serves both
libraries: ``lambda L, x: L.F.gelu(x, approximate="tanh")``. Adding a case is adding a row.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as torch_F

import feedforward as ff
import feedforward.nn.functional as ff_F
from feedforward.nn.modules import (
    activation,
    batchnorm,
    distance,
    dropout,
    instancenorm,
    linear,
    loss,
    normalization,
)

TOL = {
    "float32": dict(rtol=1e-4, atol=1e-5),
    "float64": dict(rtol=1e-9, atol=1e-11),
}


def _namespace(*modules) -> SimpleNamespace:
    names = {}
    for m in modules:
        names.update({n: getattr(m, n) for n in m.__all__})
    return SimpleNamespace(**names)


FF = SimpleNamespace(
    lib=ff,
    F=ff_F,
    nn=_namespace(
        activation, batchnorm, distance, dropout, instancenorm, linear, loss, normalization
    ),
)
TORCH = SimpleNamespace(lib=torch, F=torch_F, nn=torch.nn)


@dataclass
class Case:
    """One function under test.

    Args:
        name: the test id.
        fn: ``fn(L, *tensors)``, the same code for both libraries.
        inputs: ``inputs(rng, dtype)`` -> list of NumPy arrays; float arrays become float
            tensors that require grad (unless listed in ``no_grad``), integer arrays int64.
        no_grad: indices of float inputs that must not require grad (e.g. a weight).
        gradcheck: also run ``ff.autograd.gradcheck`` in float64.
        tol: per-dtype tolerance overrides.
    """

    name: str
    fn: object
    inputs: object
    no_grad: tuple = ()
    gradcheck: bool = True
    tol: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return self.name


def uniform(*shape, low=-3.0, high=3.0):
    """An input builder: uniform values of ``shape``."""
    return lambda rng, dtype: [rng.uniform(low, high, size=shape).astype(dtype)]


def fixed(*values):
    """An input builder: the given values (each a list/array) in the dtype under test."""
    return lambda rng, dtype: [np.asarray(v, dtype=dtype) for v in values]


def _tensors(lib, arrays, case: Case):
    out = []
    for i, a in enumerate(arrays):
        grad = a.dtype.kind == "f" and i not in case.no_grad
        if lib is ff:
            out.append(ff.tensor(a, requires_grad=grad))
        else:
            out.append(torch.tensor(a, requires_grad=grad))
    return out


def as_numpy(x) -> np.ndarray:
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def assert_close(ff_value, torch_value, what: str, dtype: str, tol: dict | None = None) -> None:
    a, b = as_numpy(ff_value), as_numpy(torch_value)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != torch {b.dtype}"
    if a.dtype.kind == "f":
        np.testing.assert_allclose(a, b, err_msg=what, equal_nan=True, **(tol or TOL[dtype]))
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def check_case(case: Case, dtype: str, seed: int = 0) -> None:
    """Forward value, then the gradient of every input that requires grad, against torch."""
    arrays = case.inputs(np.random.default_rng(seed), dtype)
    fx, tx = _tensors(ff, arrays, case), _tensors(torch, arrays, case)
    fo, to = case.fn(FF, *fx), case.fn(TORCH, *tx)
    tol = case.tol.get(dtype)
    assert_close(fo, to, f"{case.name} {dtype} forward", dtype, tol)
    if not to.requires_grad:
        return
    upstream = np.random.default_rng(seed + 1).standard_normal(tuple(to.shape)).astype(dtype)
    fo.backward(ff.tensor(upstream))
    to.backward(torch.tensor(upstream))
    for i, (a, b) in enumerate(zip(fx, tx)):
        if b.requires_grad:
            assert b.grad is not None and a.grad is not None, f"{case.name}: grad of input {i}"
            assert_close(a.grad, b.grad, f"{case.name} {dtype} grad of input {i}", dtype, tol)


# NaN, infs, signed zeros and the usual kinks (as tests/oracle.py's). No far tails (|x| ~ 100),
# where float32 kernels may round an exponential's tiny result to 0 or keep it as a denormal.
NON_FINITE = (np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -3.0, 3.0, 6.0, -20.0, 20.0)


def check_nonfinite(
    case: Case, dtype: str, seed: int = 0, nan_inputs: bool = True, domains: dict | None = None
) -> None:
    """``check_case`` with every float input, and the upstream gradient, drawn from
    ``NON_FINITE``: the same NaNs, infs and exact zeros as torch, and no NumPy RuntimeWarning
    from backward (torch gives none). ``nan_inputs=False`` keeps NaN out of the inputs (it
    stays in the upstream gradient); ``domains`` maps an input's index to the values it is
    drawn from instead (for inputs torch rejects outside a range)."""
    rng = np.random.default_rng(seed)
    values = [v for v in NON_FINITE if nan_inputs or v == v]
    domains = domains or {}
    arrays = [
        rng.choice(domains.get(i, values), size=a.shape).astype(dtype) if a.dtype.kind == "f" else a
        for i, a in enumerate(case.inputs(np.random.default_rng(seed), dtype))
    ]
    fx, tx = _tensors(ff, arrays, case), _tensors(torch, arrays, case)
    with warnings.catch_warnings():  # NumPy's own, for inf - inf and such: kept
        warnings.simplefilter("ignore", RuntimeWarning)
        fo, to = case.fn(FF, *fx), case.fn(TORCH, *tx)
    assert_close(fo, to, f"{case.name} {dtype} forward", dtype, case.tol.get(dtype))
    if not to.requires_grad:
        return
    upstream = rng.choice(NON_FINITE, size=tuple(to.shape)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fo.backward(ff.tensor(upstream))
    to.backward(torch.tensor(upstream))
    for i, (a, b) in enumerate(zip(fx, tx)):
        if b.requires_grad:
            what = f"{case.name} {dtype} grad of input {i}"
            assert_close(a.grad, b.grad, what, dtype, case.tol.get(dtype))


def check_grad_fn_name(case: Case) -> None:
    """The output's node has torch's name, as ``print(loss)`` shows it: grad_fn=<MseLossBackward0>
    (what sits below it may differ: ff's fused ops are one node where torch composes several)."""
    arrays = case.inputs(np.random.default_rng(0), "float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # kl_div's 'mean', in both
        fo, to = (
            case.fn(FF, *_tensors(ff, arrays, case)),
            case.fn(TORCH, *_tensors(torch, arrays, case)),
        )
    if to.grad_fn is None:
        assert fo.grad_fn is None, f"{case.name}: {fo.grad_fn!r}, torch has none"
        return
    assert fo.grad_fn is not None, f"{case.name}: no grad_fn, torch {type(to.grad_fn).__name__}"
    assert fo.grad_fn.name() == type(to.grad_fn).__name__, case.name


def check_gradcheck(case: Case, seed: int = 0) -> None:
    """Finite differences agree with backward for every differentiable input (float64)."""
    arrays = case.inputs(np.random.default_rng(seed), "float64")
    fx = _tensors(ff, arrays, case)
    assert ff.autograd.gradcheck(
        lambda *xs: case.fn(FF, *xs), tuple(fx), eps=1e-6, atol=1e-5, rtol=1e-3
    )


def same_error(fn, *arrays, dtype="float32"):
    """Run ``fn(L, *tensors)`` on both libraries; both must raise the same exception type.

    Returns the two exceptions so a test can also inspect the messages.
    """
    errors = []
    for L in (FF, TORCH):
        tensors = [L.lib.tensor(a) for a in arrays]
        try:
            fn(L, *tensors)
        except Exception as e:  # noqa: BLE001 - comparing whatever each library raises
            errors.append(e)
        else:
            errors.append(None)
    ff_err, torch_err = errors
    assert torch_err is not None, "torch did not raise"
    assert ff_err is not None, f"feedforward did not raise; torch raised {torch_err!r}"
    assert isinstance(ff_err, type(torch_err)), f"ff raised {ff_err!r}, torch {torch_err!r}"
    return ff_err, torch_err
