"""The LR finder: the sweep, the smoothing, the stop, the suggestions, and leaving no trace."""

import copy
import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from train_helpers import make_learner, same_weights, without_time

import feedforward as ff
from feedforward import nn
from feedforward.tensor import Tensor
from feedforward.train import Learner, LRFinder, LRFindResult
from feedforward.train.lr_finder import suggest, valley_index


def _regression(seed: int, n: int = 512):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = x @ rng.normal(size=(4, 1)).astype(np.float32) + 0.1 * rng.normal(size=(n, 1))
    return x, y.astype(np.float32)


def _sgd_regression(seed: int) -> Learner:
    ff.manual_seed(seed)
    return Learner(
        nn.Linear(4, 1), _regression(seed), opt_func=ff.optim.SGD, batch_size=32, quiet=True
    )


def _flatten(obj, prefix=""):
    """(path, value) pairs of a nested state, Tensors as arrays, for bitwise comparisons."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _flatten(v, f"{prefix}.{k}")
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            yield from _flatten(v, f"{prefix}[{i}]")
    elif isinstance(obj, Tensor):
        yield prefix, obj._data
    else:
        yield prefix, obj


def _bitwise_equal(a, b) -> bool:
    fa, fb = list(_flatten(a)), list(_flatten(b))
    if [p for p, _ in fa] != [p for p, _ in fb]:
        return False
    for (_, x), (_, y) in zip(fa, fb):
        if isinstance(x, np.ndarray):
            if not (isinstance(y, np.ndarray) and x.dtype == y.dtype and np.array_equal(x, y)):
                return False
        elif x != y:
            return False
    return True


def test_lr_find_leaves_model_optimizer_and_generators_exactly_as_before():
    twin = make_learner(lr=1e-2)  # the same run without a sweep (dropout: the default generator)
    twin.fit(1)
    twin_history = twin.fit(2)

    learn = make_learner(lr=1e-2)
    learn.fit(1)  # Adam has moments and step counts by now
    learn.model.train()
    model = copy.deepcopy(learn.model.state_dict())
    opt = copy.deepcopy(learn.opt.state_dict())
    rngs = (ff.get_rng_state().numpy().copy(), learn.generator.get_state().numpy().copy())
    history, step = learn.history, learn.step

    result = learn.lr_find(num_it=40)
    assert len(result.lrs) > 10

    assert _bitwise_equal(learn.model.state_dict(), model)
    assert _bitwise_equal(learn.opt.state_dict(), opt)
    assert np.array_equal(ff.get_rng_state().numpy(), rngs[0])
    assert np.array_equal(learn.generator.get_state().numpy(), rngs[1])
    assert learn.history is history and learn.step == step and learn.model.training

    # so training afterwards is exactly what it would have been without the sweep
    assert without_time(learn.fit(2)) == without_time(twin_history)
    assert same_weights(learn.model, twin.model)


def test_sweep_is_exponential_and_smoothed_with_bias_correction():
    learn = _sgd_regression(0)
    result = learn.lr_find(start_lr=1e-5, end_lr=1e-2, num_it=30, smooth=0.9)
    assert not result.diverged and len(result.lrs) == 30  # 16 batches per epoch: 2 epochs
    expected = 1e-5 * (1e-2 / 1e-5) ** (np.arange(30) / 29)
    np.testing.assert_allclose(result.lrs, expected, rtol=1e-12)
    avg, smoothed = 0.0, []
    for i, loss in enumerate(result.raw_losses):
        avg = 0.9 * avg + 0.1 * loss
        smoothed.append(avg / (1 - 0.9 ** (i + 1)))
    np.testing.assert_allclose(result.losses, smoothed, rtol=1e-12)
    assert result.losses[0] == pytest.approx(result.raw_losses[0], rel=1e-15)


def test_defaults_and_the_tutorial_sweep():
    finder = LRFinder()
    assert (finder.start_lr, finder.end_lr, finder.num_it, finder.smooth, finder.diverge) == (
        1e-7,
        10.0,
        100,
        0.98,
        4.0,
    )
    tutorial = 10 ** np.linspace(-3, 0, 1000)
    same = LRFinder(1e-3, 1.0, 1000)
    np.testing.assert_allclose([same.lr_at(i) for i in range(1000)], tutorial, rtol=1e-12)
    for bad in (
        dict(start_lr=1.0, end_lr=0.1),
        dict(num_it=1),
        dict(smooth=1.0),
        dict(diverge=1.0),
    ):
        with pytest.raises(ValueError, match="lr_find"):
            LRFinder(**bad)


def test_stops_when_the_smoothed_loss_diverges():
    learn = _sgd_regression(1)
    result = learn.lr_find(start_lr=1e-4, end_lr=1e3, num_it=200)
    assert result.diverged and len(result.lrs) < 200
    losses = result.losses
    last = losses[-1]
    assert not math.isfinite(last) or last > 4.0 * np.min(losses[:-1])
    running_min = np.minimum.accumulate(losses[:-1])
    assert np.all(losses[:-1] <= 4.0 * running_min)  # it did not stop later than it should
    assert all(np.isfinite(p._data).all() for p in learn.model.parameters())  # restored


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_suggestion_lies_in_a_sensible_range(seed):
    """SGD on least squares: the loss's curvature L is known; steps beyond 2/L diverge."""
    x, _ = _regression(seed)
    curvature = 2 * np.linalg.eigvalsh(x.T.astype(np.float64) @ x / len(x)).max()
    result = _sgd_regression(seed).lr_find()
    assert result.diverged
    assert 1e-3 / curvature < result.suggested < 2 / curvature
    assert result.suggested == result.suggestions["valley"]
    assert set(result.suggestions) == {"steepest", "valley", "minimum/10"}
    minimum = result.suggestions["minimum/10"] * 10
    assert minimum < 4 / curvature  # where the loss was lowest, training still converged


def _fastai_valley(losses):
    """fastai's valley, literally (fastai/callback/schedule.py)."""
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    return max_start + int(sections) + int(sections / 2)


@given(st.lists(st.integers(0, 20), min_size=1, max_size=60))
@settings(max_examples=200, deadline=None)
def test_valley_is_fastais(values):
    losses = np.array(values, dtype=np.float64)
    assert valley_index(losses) == _fastai_valley(list(losses))


def test_valley_on_a_typical_curve():
    lrs = np.logspace(-6, 1, 70)
    losses = np.concatenate([np.full(20, 2.0), np.linspace(2.0, 0.5, 40), np.linspace(0.5, 3, 10)])
    losses = losses + np.linspace(0, 1e-3, 70)  # break the ties of the flat start
    index = valley_index(losses)
    assert 20 < index < 60 and losses[index] < 1.5
    s = suggest(lrs, losses)
    inner_lrs, inner = lrs[7:-5], losses[7:-5]  # the first 10% and the last 5 points are left out
    slopes = np.diff(inner) / np.diff(np.log(inner_lrs))
    assert s["steepest"] == inner_lrs[np.argmin(slopes)]
    assert s["minimum/10"] == pytest.approx(inner_lrs[np.argmin(inner)] / 10)
    assert s["valley"] == inner_lrs[valley_index(inner)]


def test_agreement_is_the_spread_in_decades():
    lrs = np.logspace(-5, 0, 50)
    losses = np.concatenate([np.linspace(3, 1, 35), np.linspace(1, 6, 15)])
    result = LRFindResult.from_curve(lrs, losses, losses)
    values = list(result.suggestions.values())
    assert result.spread_decades == pytest.approx(math.log10(max(values) / min(values)))
    assert f"{result.spread_decades:.2f} decades" in result.agreement
    assert "valley" in repr(result)
    short = LRFindResult.from_curve(lrs[:2], losses[:2], losses[:2])
    assert short.suggestions == {} and "only 2 batches" in short.agreement


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    result = _sgd_regression(0).lr_find(num_it=40)
    result.plot(tmp_path / "lr.png")
    assert (tmp_path / "lr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    result = LRFindResult.from_curve(
        np.logspace(-3, 0, 30), np.linspace(2, 1, 30), np.linspace(2, 1, 30)
    )
    with pytest.raises(ImportError, match=r"pip install 'feedforward\[plot\]'"):
        result.plot(tmp_path / "lr.png")
