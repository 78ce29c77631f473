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


ADAM = dict(  # the options of the tests that do not vary them
    amsgrad=False,
    beta1=0.9,
    beta2=0.999,
    lr=1e-2,
    weight_decay=0.0,
    eps=1e-8,
    maximize=False,
    decoupled_weight_decay=False,
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
    options = ADAM
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
        if not _fused.sgd_each([ours[0]], [ours[1]], [ours_buf], **options):
            assert momentum != 0 and ours_buf is None  # the first step with momentum: NumPy
            ours_buf = sgd_update(*ours, ours_buf, **options)
    for got, want in zip(ours, numpy):
        np.testing.assert_array_equal(got, want)
    if momentum:
        np.testing.assert_array_equal(ours_buf, numpy_buf)


def _group(dtypes: list[str]) -> list[list[np.ndarray]]:
    """A group's params, grads and two moment buffers, one parameter per dtype, sizes differing."""
    arrays = [_arrays(5 + 3 * i, dtype)[:4] for i, dtype in enumerate(dtypes)]
    return [list(column) for column in zip(*arrays)]


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_each_is_adam_per_parameter(amsgrad):
    # a float32 and a float64 parameter, and steps out of line: hyperparameters per step and dtype
    options = {**ADAM, "amsgrad": amsgrad}
    ours, theirs = (
        _group(["float32", "float64", "float32"]),
        _group(["float32", "float64", "float32"]),
    )
    tops = [
        [np.zeros_like(p) for p in group[0]] if amsgrad else [None] * 3 for group in (ours, theirs)
    ]
    steps = [[np.array(s, np.float32) for s in (0, 0, 4)] for _ in range(2)]
    for _ in range(3):
        assert _fused.adam_each(*ours, tops[0], steps[0], **options)
        for i, step_t in enumerate(steps[1]):
            step_t += 1
            arrays = [column[i] for column in theirs] + [tops[1][i]]
            assert _fused.adam(*arrays, step_t.item(), **options)
    assert [s.item() for s in steps[0]] == [3, 3, 7]
    for got, want in zip(ours + [tops[0]], theirs + [tops[1]]):
        for g, w in zip(got, want):
            assert g is None or g.dtype == w.dtype
            np.testing.assert_array_equal(g, w)


def test_adam_each_does_nothing_unless_every_parameter_qualifies():
    params, grads, m, v = _group(["float32", "float32"])
    grads[1] = np.zeros(20, np.float32)[::2][: grads[1].size]  # not contiguous
    before = [p.copy() for p in params]
    steps = [np.array(0.0, np.float32) for _ in params]
    assert not _fused.adam_each(params, grads, m, v, [None, None], steps, **ADAM)
    assert [s.item() for s in steps] == [0, 0]  # no step counted
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p, b)


def test_sgd_each_is_sgd_per_parameter_and_all_or_nothing():
    options = dict(weight_decay=0.01, momentum=0.9, lr=0.1, dampening=0.0, nesterov=True)
    options["maximize"] = False
    ours, theirs = _group(["float32", "float64"]), _group(["float32", "float64"])
    # the first step with momentum has no buffers yet: left to NumPy, nothing done
    before = [p.copy() for p in ours[0]]
    assert not _fused.sgd_each(ours[0], ours[1], [None, None], **options)
    for p, b in zip(ours[0], before):
        np.testing.assert_array_equal(p, b)
    for _ in range(2):
        assert _fused.sgd_each(ours[0], ours[1], ours[2], **options)
        for param, grad, buf in zip(*theirs[:3]):
            assert _fused.sgd_each([param], [grad], [buf], **options)
    for got, want in zip(ours[:3], theirs[:3]):
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
