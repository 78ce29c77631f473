"""The compiled Adam update (the `jit` extra) gives bit for bit the NumPy update's results."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

from feedforward.optim import _fused
from feedforward.optim.adam import adam_update

pytestmark = pytest.mark.skipif(not _fused.available(), reason="pip install 'feedforward[jit]'")

OPTIONS = list(
    itertools.product(
        ["float32", "float64"],
        [False, True],  # amsgrad
        [0.0, 0.1],  # weight decay
        [False, True],  # decoupled (AdamW)
        [False, True],  # maximize
        [0.9, 0.3],  # beta1: lerp's two forms (weight 1 - beta1 below / above 0.5)
    )
)


def _arrays(n: int, dtype: str) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    param, grad = (rng.standard_normal(n).astype(dtype) for _ in range(2))
    moments = [(np.abs(rng.standard_normal(n)) * 0.1).astype(dtype) for _ in range(3)]
    return [param, grad, *moments]


@pytest.mark.parametrize("n", [7, 40_007])  # vectorised loops' short tails and long bodies
@pytest.mark.parametrize("dtype,amsgrad,wd,decoupled,maximize,beta1", OPTIONS)
def test_compiled_update_is_bitwise_the_numpy_update(
    n, dtype, amsgrad, wd, decoupled, maximize, beta1
):
    options = dict(
        amsgrad=amsgrad,
        beta1=beta1,
        beta2=0.999,
        lr=1e-2,
        weight_decay=wd,
        eps=1e-8,
        maximize=maximize,
        decoupled_weight_decay=decoupled,
    )
    ours, numpy = _arrays(n, dtype), _arrays(n, dtype)
    ours[1][:5] = [np.nan, np.inf, -np.inf, 0.0, -0.0]  # edge values follow the same arithmetic
    numpy[1][:5] = ours[1][:5]
    for step in range(1, 4):
        for a in (ours, numpy):
            a[1][5:] = np.sin(a[0][5:] * step)
        with np.errstate(all="ignore"):  # the nan and inf entries
            adam_update(*numpy[:4], numpy[4] if amsgrad else None, step, **options)
        assert _fused.adam(*ours[:4], ours[4] if amsgrad else None, step, **options)
    for got, want in zip(ours, numpy):
        np.testing.assert_array_equal(got, want)


def test_arrays_it_cannot_take_are_left_to_numpy():
    p, g, m, v, _ = _arrays(100, "float32")
    options = dict(
        amsgrad=False,
        beta1=0.9,
        beta2=0.999,
        lr=1e-3,
        weight_decay=0.0,
        eps=1e-8,
        maximize=False,
        decoupled_weight_decay=False,
    )
    before = p.copy()
    assert not _fused.adam(p, g.astype(np.float64), m, v, None, 1, **options)  # mixed dtypes
    strided = np.zeros(200, np.float32)[::2]
    assert not _fused.adam(strided, g, m, v, None, 1, **options)  # not contiguous
    half = [a.astype(np.float16) for a in (p, g, m, v)]
    assert not _fused.adam(*half, None, 1, **options)  # float16: NumPy's arithmetic
    np.testing.assert_array_equal(p, before)


def test_environment_variable_turns_it_off():
    code = "from feedforward.optim import _fused; print(_fused.available())"
    env = {**os.environ, "FEEDFORWARD_JIT": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


SGD_OPTIONS = [
    (dtype, momentum, dampening, nesterov, wd, maximize)
    for dtype, momentum, dampening, nesterov, wd, maximize in itertools.product(
        ["float32", "float64"],
        [0.0, 0.9],  # momentum
        [0.0, 0.3],  # dampening
        [False, True],  # nesterov
        [0.0, 0.01],  # weight decay
        [False, True],  # maximize
    )
    if not nesterov or (momentum and not dampening)  # torch's condition for Nesterov
]


@pytest.mark.parametrize("n", [7, 40_007])
@pytest.mark.parametrize("dtype,momentum,dampening,nesterov,wd,maximize", SGD_OPTIONS)
def test_compiled_sgd_is_bitwise_the_numpy_update(
    n, dtype, momentum, dampening, nesterov, wd, maximize
):
    from feedforward.optim.sgd import sgd_update

    options = dict(
        weight_decay=wd,
        momentum=momentum,
        lr=0.05,
        dampening=dampening,
        nesterov=nesterov,
        maximize=maximize,
    )
    ours, numpy = _arrays(n, dtype)[:2], _arrays(n, dtype)[:2]
    ours_buf = numpy_buf = None
    for step in range(1, 4):
        for a in (ours, numpy):
            a[1][:] = np.sin(a[0] * step)
        numpy_buf = sgd_update(*numpy, numpy_buf, **options)
        if not _fused.sgd(*ours, ours_buf, **options):
            assert momentum != 0 and ours_buf is None  # the first step with momentum: NumPy
            ours_buf = sgd_update(*ours, ours_buf, **options)
    for got, want in zip(ours, numpy):
        np.testing.assert_array_equal(got, want)
    if momentum:
        np.testing.assert_array_equal(ours_buf, numpy_buf)
