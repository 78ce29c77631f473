"""Cross entropy's compiled forward (the `jit` extra) against its NumPy forward and torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import feedforward as ff
from feedforward.nn._ops import _compiled

pytestmark = pytest.mark.skipif(
    not _compiled.usable(np.zeros((1, 2)), np.zeros(1, np.int64)),
    reason="pip install 'feedforward[jit]'",
)
TOL = {"float32": dict(rtol=2e-6, atol=2e-7), "float64": dict(rtol=1e-13, atol=1e-14)}


def _loss_and_grad(logits, target, reduction, compiled: bool, monkeypatch):
    calls = []
    with monkeypatch.context() as m:
        if compiled:  # count the compiled calls: the path must really be taken
            rows = _compiled.cross_entropy_rows
            m.setattr(_compiled, "cross_entropy_rows", lambda *a: calls.append(1) or rows(*a))
        else:
            m.setattr(_compiled, "usable", lambda z, t: False)
        x = ff.tensor(logits, requires_grad=True)
        loss = ff.nn.functional.cross_entropy(x, ff.tensor(target), reduction=reduction)
        loss.backward()
    assert len(calls) == compiled
    return loss.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", [(1, 2), (32, 3), (64, 10), (7, 1000)])
@pytest.mark.parametrize("scale", [1.0, 1e4], ids=["logits~1", "logits~1e4"])
def test_compiled_forward_matches_numpy_and_torch(dtype, reduction, shape, scale, monkeypatch):
    rng = np.random.default_rng(0)
    logits = (rng.standard_normal(shape) * scale).astype(dtype)
    target = rng.integers(0, shape[1], shape[0])
    got = _loss_and_grad(logits, target, reduction, True, monkeypatch)
    numpy = _loss_and_grad(logits, target, reduction, False, monkeypatch)
    t = torch.tensor(logits, requires_grad=True)
    want = torch.nn.functional.cross_entropy(t, torch.tensor(target), reduction=reduction)
    want.backward()
    for a, b in zip(got, numpy):
        np.testing.assert_allclose(a, b, **TOL[dtype])
    np.testing.assert_allclose(got[0], want.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(got[1], t.grad.numpy(), **TOL[dtype])


def test_nan_and_infinite_logits_give_what_the_numpy_forward_gives(monkeypatch):
    logits = np.array([[0.0, np.nan, 1.0], [np.nan, 0.0, 0.0], [-np.inf, 0.0, 1.0], [np.inf, 0, 1]])
    target = np.array([0, 1, 2, 1])
    for i in range(len(target)):
        with np.errstate(all="ignore"):
            got = _loss_and_grad(logits[i : i + 1], target[i : i + 1], "sum", True, monkeypatch)
            numpy = _loss_and_grad(logits[i : i + 1], target[i : i + 1], "sum", False, monkeypatch)
        for a, b in zip(got, numpy):
            np.testing.assert_array_equal(a, b)


def test_targets_out_of_range_or_ignored_still_behave_as_torch():
    x = ff.randn(4, 3)
    with pytest.raises(IndexError, match="Target 3 is out of bounds."):
        ff.nn.functional.cross_entropy(x, ff.tensor([0, 1, 2, 3]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds."):
        ff.nn.functional.cross_entropy(x, ff.tensor([0, -1, 2, 1]))
    target = [0, -100, 2, 1]  # the default ignore_index: that row does not count
    got = ff.nn.functional.cross_entropy(x, ff.tensor(target))
    want = torch.nn.functional.cross_entropy(torch.tensor(x.numpy()), torch.tensor(target))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_an_empty_batch_gives_nan_as_torch():
    got = ff.nn.functional.cross_entropy(ff.zeros(0, 3), ff.zeros(0, dtype=ff.int64))
    assert np.isnan(got.item())
