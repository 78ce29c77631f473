"""The statistics collectors against torch (the same network's outputs and gradients) and the
formulas they implement."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import feedforward as ff
from feedforward import nn
from feedforward.diagnostics import (
    THRESHOLDS,
    ActivationStats,
    DiagnosticsCallback,
    GradientStats,
    UpdateRatio,
    layer_kind,
    watched_modules,
)
from feedforward.diagnostics.stats import _bincount_hist


class Net(nn.Module):
    """Every watched kind under a submodule, so that names are module paths like 'net.1'."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 8), nn.BatchNorm1d(8), nn.ReLU(),
            nn.Linear(8, 5), nn.Sigmoid(), nn.Dropout(0.0), nn.Linear(5, 3),
        )  # fmt: skip

    def forward(self, x):
        return self.net(x)


def torch_twin(model: Net) -> torch.nn.Sequential:
    t = torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.BatchNorm1d(8),
        torch.nn.ReLU(), torch.nn.Linear(8, 5), torch.nn.Sigmoid(), torch.nn.Dropout(0.0),
        torch.nn.Linear(5, 3),
    ).double()  # fmt: skip
    with torch.no_grad():
        for name, p in t.named_parameters():
            values = model.get_parameter("net." + name).detach().numpy()
            p.copy_(torch.from_numpy(values.astype(np.float64)))
    return t


def torch_outputs(t: torch.nn.Sequential, x: np.ndarray) -> dict[str, np.ndarray]:
    outs: dict[str, np.ndarray] = {}
    handles = [
        m.register_forward_hook(lambda m, a, o, n=n: outs.__setitem__("net." + n, o.detach()))
        for n, m in t.named_children()
    ]
    t(torch.from_numpy(x))
    for h in handles:
        h.remove()
    return {k: v.numpy() for k, v in outs.items()}


@pytest.fixture
def net():
    ff.manual_seed(0)
    with ff.no_grad():
        model = Net()
        model.net[0].weight.mul_(4)  # push some tanh units into saturation
    return model


def test_watched_modules_and_kinds(net):
    names = [(n, k) for n, _, k in watched_modules(net)]
    assert names == [
        ("net.0", "linear"),
        ("net.1", "tanh"),
        ("net.2", "linear"),
        ("net.3", "norm"),
        ("net.4", "relu"),
        ("net.5", "linear"),
        ("net.6", "sigmoid"),
        ("net.8", "linear"),
    ]  # fmt: skip  (Dropout is not watched)
    assert layer_kind(nn.LeakyReLU()) == "relu" and layer_kind(nn.GELU()) == "relu"
    assert layer_kind(nn.LayerNorm(3)) == "norm" and layer_kind(nn.Softplus()) == "activation"
    assert layer_kind(nn.Flatten()) is None and layer_kind(nn.Sequential()) is None


def test_activation_statistics_match_torch(net):
    x = np.random.default_rng(0).standard_normal((32, 6)).astype(np.float32)
    expected = torch_outputs(torch_twin(net), x.astype(np.float64))
    with ActivationStats(net, bins=20) as stats:
        net(ff.tensor(x))
    t = THRESHOLDS
    for name, rec in stats.records.items():
        a = expected[name]
        assert rec.steps == [0]
        assert rec.mean[0] == pytest.approx(a.mean(), abs=1e-5)
        assert rec.std[0] == pytest.approx(a.std(), rel=1e-4, abs=1e-6)
        assert rec.near_zero[0] == pytest.approx(np.mean(np.abs(a) < t.near_zero), abs=1 / a.size)
        assert rec.hist[0].sum() == a.size and rec.edges.shape == (21,)
    tanh = expected["net.1"]
    assert stats["net.1"].saturated[0] == pytest.approx(np.mean(np.abs(tanh) > 0.97))
    assert stats["net.1"].saturated[0] > 0.1  # the 4x weights really saturate it
    sig = expected["net.6"]
    assert stats["net.6"].saturated[0] == pytest.approx(np.mean((sig < 0.03) | (sig > 0.97)))
    relu = expected["net.4"]
    assert stats["net.4"].dead[0] == pytest.approx(np.mean(~(relu > 0).any(axis=0)))
    assert stats["net.0"].saturated == [] and stats["net.0"].dead == []
    # bounded activations get their natural histogram range
    assert tuple(stats["net.1"].edges[[0, -1]]) == (-1.0, 1.0)
    assert tuple(stats["net.6"].edges[[0, -1]]) == (0.0, 1.0)
    np.testing.assert_array_equal(
        stats["net.1"].hist[0], np.histogram(tanh, bins=20, range=(-1, 1))[0]
    )


def test_hooks_are_removed_and_the_fast_path_returns(net):
    stats = ActivationStats(net)
    assert net.net[0]._forward_hooks and net._forward_pre_hooks
    stats.detach()
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in net.modules())
    net(ff.randn(4, 6))
    assert stats["net.0"].steps == []  # nothing recorded after detach, records kept


def test_every_records_every_nth_forward_call(net):
    stats = ActivationStats(net, every=3)
    for _ in range(7):
        net(ff.randn(4, 6))
    assert stats["net.0"].steps == [0, 3, 6]
    assert stats["net.0"].histogram_image().shape == (40, 3)
    with pytest.raises(ValueError, match="every"):
        ActivationStats(net, every=0)


def test_dead_units_over_a_window():
    lin = nn.Linear(4, 6)
    model = nn.Sequential(lin, nn.ReLU())
    with ff.no_grad():
        lin.weight.zero_()
        lin.bias.copy_(ff.tensor([-1.0, 1.0, -1.0, 1.0, -1.0, 1.0]))
    window = 3
    stats = ActivationStats(model, thresholds=replace(THRESHOLDS, dead_window=window))
    x = ff.zeros(5, 4)
    model(x)
    np.testing.assert_array_equal(stats["1"].dead_units(), [0, 2, 4])
    with ff.no_grad():
        lin.bias[0] = 1.0  # unit 0 fires in this one batch
    model(x)
    with ff.no_grad():
        lin.bias[0] = -1.0
    for _ in range(window - 1):
        model(x)  # the batch where unit 0 fired is still in the window
    np.testing.assert_array_equal(stats["1"].dead_units(), [2, 4])
    model(x)  # now it has left the window
    np.testing.assert_array_equal(stats["1"].dead_units(), [0, 2, 4])
    assert stats["1"].dead == pytest.approx([0.5, 1 / 3, 1 / 3, 1 / 3, 0.5])


def test_non_finite_outputs_are_recorded_as_nan():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    stats = ActivationStats(model)
    model(ff.tensor([[float("nan"), 0.0, 0.0]]))
    assert math.isnan(stats["0"].mean[0]) and math.isnan(stats["1"].saturated[0])
    model(ff.randn(2, 3))
    assert math.isfinite(stats["1"].mean[1]) and stats["1"].hist[1].sum() == 8


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=200),
    st.floats(-10, 0),
    st.floats(0.5, 10),
    st.integers(1, 30),
)
def test_bincount_histogram_is_numpy_histogram_of_clipped_values(values, lo, width, bins):
    hi = lo + width
    raw = np.array(values)
    clipped = np.clip(raw, lo, hi)
    edges = np.linspace(lo, hi, bins + 1)
    # keep values away from the inner bin edges, where rounding may pick either bin
    keep = np.ones(raw.size, dtype=bool)
    if bins > 1:
        keep = np.min(np.abs(clipped[:, None] - edges[None, 1:-1]), axis=1) > 1e-9
    got = _bincount_hist(raw[keep], lo, hi, bins)  # values outside land in the end bins
    np.testing.assert_array_equal(got, np.histogram(clipped[keep], bins, (lo, hi))[0])


def test_gradient_statistics_match_torch(net):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 6))
    y = rng.integers(0, 3, 16)
    twin = torch_twin(net)
    torch.nn.functional.cross_entropy(twin(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    grads = GradientStats(net)
    nn.functional.cross_entropy(net(ff.tensor(x.astype(np.float32))), ff.tensor(y)).backward()
    grads.record()
    for name, p in twin.named_parameters():
        g, rec = p.grad.numpy(), grads.params["net." + name]
        data = net.get_parameter("net." + name).detach().numpy()
        assert rec.mean[0] == pytest.approx(g.mean(), abs=1e-6)
        assert rec.std[0] == pytest.approx(g.std(), rel=1e-3, abs=1e-7)
        assert rec.norm[0] == pytest.approx(np.linalg.norm(g), rel=1e-3, abs=1e-7)
        if data.std() > 0:  # (abs: a bias before BatchNorm has a zero gradient, up to rounding)
            assert rec.grad_to_data[0] == pytest.approx(g.std() / data.std(), rel=1e-3, abs=1e-6)
        else:  # a constant parameter (BatchNorm's ones, zero biases) has no ratio
            assert math.isnan(rec.grad_to_data[0])
    layer = grads.layers["net.2"]  # weight and bias together
    w, b = twin[2].weight.grad.numpy(), twin[2].bias.grad.numpy()
    assert layer.norm[0] == pytest.approx(math.hypot(np.linalg.norm(w), np.linalg.norm(b)), 1e-3)
    assert layer.hist[0].sum() == w.size + b.size and len(layer.hist_edges[0]) == 41
    assert set(grads.layers) == {"net.0", "net.2", "net.3", "net.5", "net.8"}


def test_update_ratio_of_sgd_is_log_lr_grad_over_data():
    ff.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 3))
    opt = ff.optim.SGD(model.parameters(), lr=0.05)
    udr = UpdateRatio(model)
    before = {n: p.detach().numpy().copy() for n, p in model.named_parameters()}
    loss = nn.functional.cross_entropy(model(ff.randn(8, 10)), ff.randint(0, 3, (8,)))
    loss.backward()
    grads = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    udr.step(opt)
    for n in before:
        expected = math.log10(np.std(0.05 * grads[n]) / np.std(before[n]))
        assert udr.ratios[n][0] == pytest.approx(expected, abs=1e-4)
    assert udr.steps == [0]


def test_update_ratio_of_adam_measures_the_real_update():
    ff.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 3))
    nn.init.zeros_(model[0].bias)
    opt = ff.optim.Adam(model.parameters(), lr=1e-3)
    udr = UpdateRatio(model, every=2)
    for i in range(4):
        opt.zero_grad()
        nn.functional.mse_loss(model(ff.randn(8, 10)), ff.randn(8, 3)).backward()
        w = model[0].weight.detach().numpy().copy()
        udr.step(opt)
        if i == 0:  # Adam's first step moves every element by lr (m / sqrt(v) = sign(g))
            delta = model[0].weight.detach().numpy() - w
            np.testing.assert_allclose(np.abs(delta), 1e-3, rtol=1e-3)
            assert udr.ratios["0.weight"][0] == pytest.approx(
                math.log10(delta.std() / w.std()), abs=1e-6
            )
    assert udr.steps == [0, 2]
    assert math.isnan(udr.ratios["0.bias"][0])  # a zero bias has no scale yet


def test_update_ratio_of_an_unmoved_parameter_is_minus_inf():
    model = nn.Sequential(nn.Linear(3, 2))
    opt = ff.optim.SGD(model.parameters(), lr=0.0)
    udr = UpdateRatio(model)
    nn.functional.mse_loss(model(ff.randn(4, 3)), ff.randn(4, 2)).backward()
    udr.step(opt)
    assert udr.ratios["0.weight"] == [-math.inf]


def test_diagnostics_callback_with_the_learner():
    from feedforward.train import Learner

    ff.manual_seed(0)
    x, y = ff.randn(256, 10), ff.randint(0, 3, (256,))
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    diag = DiagnosticsCallback(every=3)

    class HookSpy:  # which training batches ran with forward hooks on the model
        order = 0
        hooked: list[int] = []

        def after_pred(self, learn):
            if learn.training and model[0]._forward_hooks:
                self.hooked.append(learn.step)

    spy = HookSpy()
    learn = Learner(model, (x, y), valid_data=(x[:64], y[:64]), callbacks=[diag, spy], seed=0)
    learn.fit(2)  # 4 batches of 64 per epoch: global steps 0..7
    expected = [0, 3, 6]
    assert spy.hooked == expected  # the other batches take the hook-free fast path
    assert diag.activations["0"].steps == expected  # training batches only, not validation
    assert diag.gradients.params["0.weight"].steps == expected
    assert diag.updates.steps == expected
    assert len(diag.updates.ratios["2.weight"]) == 3
    assert not any(m._forward_hooks for m in model.modules())  # detached after fit
    summary = diag.summary()
    assert set(summary) == {"activations", "gradients", "updates"}
    assert summary["activations"]["1"]["kind"] == "relu"


def test_diagnostics_callback_detaches_when_fit_fails():
    from feedforward.train import Learner

    x, y = ff.randn(64, 10), ff.randint(0, 3, (64,))
    model = nn.Sequential(nn.Linear(10, 3))

    def bad_loss(preds, targets):
        raise RuntimeError("boom")

    diag = DiagnosticsCallback(every=1)
    learn = Learner(model, (x, y), loss_fn=bad_loss, callbacks=[diag])
    with pytest.raises(RuntimeError, match="boom"):
        learn.fit(1)
    assert not any(m._forward_hooks for m in model.modules())
