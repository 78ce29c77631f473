"""nn.Linear's products on each GEMM backend (NumPy's BLAS; Intel MKL with the `mkl` extra)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import feedforward as ff
from feedforward.ops import _gemm

TOL = {"float32": dict(rtol=2e-5, atol=2e-5), "float64": dict(rtol=1e-12, atol=1e-12)}


def _mkl_available() -> bool:
    try:
        _gemm._load_mkl()
    except (OSError, AttributeError):
        return False
    return True


MKL = _mkl_available()
BACKENDS = [
    "numpy",
    pytest.param("mkl", marks=pytest.mark.skipif(not MKL, reason="pip install 'feedforward[mkl]'")),
]


@pytest.fixture(params=BACKENDS)
def backend(request):
    before = _gemm.backend
    assert _gemm.set_backend(request.param) == request.param
    yield request.param
    _gemm.backend = before


def _reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.dot(a.astype(np.float64), b.astype(np.float64))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "m, k, n",
    [(64, 784, 50), (1, 1000, 300), (300, 1000, 1), (7, 5, 3), (0, 600, 600), (600, 0, 600)],
)
@pytest.mark.parametrize("a_order, b_order", [("C", "C"), ("C", "F"), ("F", "C"), ("F", "F")])
def test_products_in_either_memory_order_match_a_float64_reference(
    backend, dtype, m, k, n, a_order, b_order
):
    rng = np.random.default_rng(0)
    a = np.asarray(rng.standard_normal((m, k)), dtype, order=a_order)
    b = np.asarray(rng.standard_normal((k, n)), dtype, order=b_order)
    out = _gemm.dot(a, b)
    assert out.shape == (m, n) and out.dtype == dtype and out.flags.c_contiguous
    scale = max(1.0, float(np.abs(_reference(a, b)).max(initial=0)))
    np.testing.assert_allclose(out / scale, _reference(a, b) / scale, **TOL[dtype])


def test_strided_and_mixed_inputs_fall_back_to_numpy(backend):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((400, 1200)).astype(np.float32)[:, ::2]  # neither C nor F order
    b = rng.standard_normal((600, 500)).astype(np.float32)
    np.testing.assert_allclose(_gemm.dot(a, b), _reference(a, b), rtol=1e-4, atol=1e-3)
    b64 = b.astype(np.float64)  # mixed dtypes: NumPy's promotion, as np.dot
    assert _gemm.dot(np.ascontiguousarray(a), b64).dtype == np.float64


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linear_on_a_large_batch_matches_torch(backend, dtype):
    """Large enough that every product (forward, input and weight gradients) takes the backend."""
    torch.manual_seed(0)
    t = torch.nn.Linear(300, 200, dtype=getattr(torch, dtype))
    f = ff.nn.Linear(300, 200, dtype=getattr(ff, dtype))
    f.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 64, 300)).astype(dtype)
    g = np.random.default_rng(1).standard_normal((4, 64, 200)).astype(dtype)
    fx, tx = ff.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    f_out, t_out = f(fx), t(tx)
    f_out.backward(ff.tensor(g))
    t_out.backward(torch.tensor(g))
    for a, b in [
        (f_out.detach(), t_out.detach()),
        (fx.grad, tx.grad),
        (f.weight.grad, t.weight.grad),
        (f.bias.grad, t.bias.grad),
    ]:
        np.testing.assert_allclose(a.numpy(), b.numpy(), **TOL[dtype])


def test_linear_gradcheck_through_the_backend(backend):
    ff.manual_seed(0)
    layer = ff.nn.Linear(70, 60).double()
    x = ff.randn(70, 70, dtype=ff.float64, requires_grad=True)  # 70*70*60 > MIN_FLOPS
    assert 70 * 70 * 60 >= _gemm.MIN_FLOPS
    assert ff.autograd.gradcheck(lambda x, w, b: layer(x), (x, layer.weight, layer.bias))


def test_asking_for_mkl_without_it_names_the_extra(monkeypatch):
    before = _gemm.backend
    monkeypatch.setattr(_gemm, "_gemms", {})
    monkeypatch.setattr(_gemm, "_dist_file", lambda *names: None)
    with pytest.raises(ImportError, match=r"pip install 'feedforward\[mkl\]'"):
        _gemm.set_backend("mkl")
    assert _gemm.set_backend("auto") == "numpy"  # auto quietly keeps NumPy
    _gemm.backend = before


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="FEEDFORWARD_BLAS must be 'auto', 'mkl' or 'numpy'"):
        _gemm.set_backend("blis")


@pytest.mark.parametrize("name", ["numpy", pytest.param("auto", id="auto")])
def test_environment_variable_chooses_the_backend_at_the_first_product(name):
    code = (
        "import numpy as np, feedforward as ff\nfrom feedforward.ops import _gemm\n"
        "assert _gemm.backend is None  # nothing loaded at import\n"
        "ff.nn.Linear(300, 300)(ff.randn(300, 300))\nprint(_gemm.backend)"
    )
    env = {**os.environ, "FEEDFORWARD_BLAS": name}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ("mkl" if name == "auto" and MKL and _gemm._intel_cpu() else "numpy")


@pytest.mark.skipif(not MKL, reason="pip install 'feedforward[mkl]'")
@pytest.mark.parametrize("intel", [True, False], ids=["intel", "other-cpu"])
def test_auto_takes_mkl_on_intel_cpus_only(monkeypatch, intel):
    """MKL's GEMMs ran 1.3-1.8x slower than OpenBLAS's on an AMD EPYC: auto keeps NumPy there."""
    before = _gemm.backend
    monkeypatch.setattr(_gemm, "_intel_cpu", lambda: intel)
    assert _gemm.set_backend("auto") == ("mkl" if intel else "numpy")
    assert _gemm.set_backend("mkl") == "mkl"  # asked for by name, on any CPU
    _gemm.backend = before


def test_cpu_vendor_is_read_from_cpuinfo(tmp_path):
    for vendor, intel in (("GenuineIntel", True), ("AuthenticAMD", False)):
        info = tmp_path / vendor
        info.write_text(f"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: 25\n")
        assert _gemm._intel_cpu(str(info)) is intel
    assert _gemm._intel_cpu(str(tmp_path / "missing")) is False
