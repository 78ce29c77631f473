"""The doctor: each code on a network that really has the pathology, and the suggested fix
applied makes it go away; healthy networks on real Fashion-MNIST get no warning."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from diag_helpers import (
    fashion,
    init_with,
    kaiming_relu,
    kaiming_tanh,
    mlp,
    normal01,
    params_of,
    reinit,
    synthetic,
    xavier,
)

import feedforward as ff
from feedforward import nn
from feedforward.diagnostics import CODES, THRESHOLDS, Finding, Report, doctor
from feedforward.utils.data import DataLoader, TensorDataset

CE = nn.CrossEntropyLoss()


@pytest.fixture(scope="module")
def data():
    return synthetic()


def codes(report: Report) -> set[str]:
    return report.codes


def only(report: Report, code: str) -> Finding:
    found = report.get(code)
    assert len(found) == 1, f"expected one {code} finding, got {report}"
    return found[0]


# ---------------------------------------------------------------------- initial loss


def test_init_loss_high_last_layer_scaled_up(data):
    ff.manual_seed(0)
    model = mlp([32, 64, 64, 4], init=kaiming_relu)
    with ff.no_grad():
        model[4].weight.mul_(10)
    report = doctor(model, data, CE, steps=5)
    f = only(report, "init-loss-high")
    assert f.where == "4" and f.severity == "warning"
    # the measured figure is the initial loss over the uniform prediction's ln C
    assert f.value == pytest.approx(report.summary["init_loss"] / math.log(4), rel=1e-6)
    assert report.summary["uninformative_loss"] == pytest.approx(math.log(4), rel=1e-6)
    assert f.value > f.threshold == THRESHOLDS.init_loss_ratio
    assert "0.01" in f.fix
    with ff.no_grad():  # the fix: scale the last layer by 0.01, zero its bias
        model[4].weight.mul_(0.01)
        model[4].bias.zero_()
    assert doctor(model, data, CE, steps=5).healthy


# ---------------------------------------------------------------------- activations


def test_activation_saturation_deep_tanh_with_unit_normal_weights(data):
    ff.manual_seed(0)
    model = mlp([32, 64, 64, 64, 64, 4], nn.Tanh, normal01)
    report = doctor(model, data, CE, steps=5)
    f = only(report, "activation-saturation")
    assert isinstance(model.get_submodule(f.where), nn.Tanh)
    assert f.value > THRESHOLDS.saturated_fraction
    assert "nonlinearity='tanh'" in f.fix and "5/3" in f.fix
    reinit(model, kaiming_tanh)
    assert "activation-saturation" not in doctor(model, data, CE, steps=5).codes


def test_activation_saturation_sigmoid_names_the_layer(data):
    ff.manual_seed(1)
    model = mlp([32, 64, 64, 4], nn.Sigmoid)
    with ff.no_grad():  # only the second layer is blown up: only its sigmoid saturates
        nn.init.normal_(model[2].weight, std=3.0)
    f = only(doctor(model, data, CE, steps=5), "activation-saturation")
    assert f.where == "3"
    init = init_with(nn.init.xavier_normal_)
    init(model[2])
    assert "activation-saturation" not in doctor(model, data, CE, steps=5).codes


def test_dead_units_relu_with_large_negative_bias(data):
    ff.manual_seed(0)
    model = mlp([32, 64, 64, 4], init=kaiming_relu)
    with ff.no_grad():
        model[2].bias.fill_(-10.0)
    report = doctor(model, data, CE, steps=5)
    f = only(report, "dead-units")
    assert f.where == "3" and f.value == 1.0  # the ReLU after the second Linear, all dead
    assert "2.bias" in f.fix
    with ff.no_grad():
        model[2].bias.zero_()
    assert doctor(model, data, CE, steps=5).healthy


def test_dead_units_found_after_training_with_a_huge_step(data):
    ff.manual_seed(0)
    model = mlp([32, 64, 64, 4], init=kaiming_relu)
    report = doctor(model, data, CE, ff.optim.Adam(model.parameters(), lr=10.0), steps=20)
    assert "dead-units" in report.codes  # healthy at init, killed by the first steps
    assert "after 20 training steps" in report.get("dead-units")[0].explanation


def test_activation_scale_drift_relu_with_xavier_gain(data):
    # Xavier's gain 1 under ReLU halves the second moment at every layer
    ff.manual_seed(0)
    model = mlp([32] + [64] * 10 + [4], nn.ReLU, xavier)
    report = doctor(model, data, CE, steps=5)
    f = only(report, "activation-scale-drift")
    assert f.op == "<" and f.value < 1 / THRESHOLDS.scale_drift
    assert isinstance(model.get_submodule(f.where), nn.Linear)
    # the layer named is the first where the std fell 10x below the first layer's
    names = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    assert names.index(f.where) >= 3
    assert "nonlinearity='relu'" in f.fix
    reinit(model, kaiming_relu)
    assert doctor(model, data, CE, steps=5).healthy


def test_activation_scale_drift_growing(data):
    ff.manual_seed(0)
    model = mlp([32] + [64] * 6 + [4], nn.ReLU, init_with(lambda w: nn.init.normal_(w, std=0.4)))
    f = only(doctor(model, data, CE, steps=0), "activation-scale-drift")
    assert f.op == ">" and f.value > THRESHOLDS.scale_drift
    reinit(model, kaiming_relu)
    assert "activation-scale-drift" not in doctor(model, data, CE, steps=0).codes


# ---------------------------------------------------------------------- gradients


def test_vanishing_gradients_deep_sigmoid(data):
    ff.manual_seed(0)
    model = mlp([32] + [64] * 10 + [4], nn.Sigmoid)
    report = doctor(model, data, CE, steps=5)
    f = only(report, "vanishing-gradients")
    assert f.where == "0.weight"  # the first layer gets the least gradient
    assert "ReLU" in f.fix and "kaiming" in f.fix
    fixed = mlp([32] + [64] * 10 + [4], nn.ReLU, kaiming_relu)  # the fix: ReLU + Kaiming
    assert doctor(fixed, data, CE, steps=5).healthy


def test_exploding_gradients_relu_with_unit_normal_weights(data):
    ff.manual_seed(0)
    model = mlp([32] + [64] * 6 + [4], nn.ReLU, normal01)
    f = only(doctor(model, data, CE, steps=0), "exploding-gradients")
    assert f.value > THRESHOLDS.grad_to_data_high
    assert f.where.endswith(".weight") and f.where != "12.weight"  # hidden layers only
    reinit(model, kaiming_relu)
    assert doctor(model, data, CE, steps=5).healthy


# ---------------------------------------------------------------------- learning rate


@pytest.mark.parametrize("opt_cls", [ff.optim.SGD, ff.optim.Adam])
def test_lr_too_high(data, opt_cls):
    ff.manual_seed(0)
    model = mlp([32, 64, 64, 4], init=kaiming_relu)
    report = doctor(model, data, CE, opt_cls(model.parameters(), lr=10.0), steps=30)
    f = only(report, "lr-too-high")
    new_lr = f.suggestion["lr"]
    assert new_lr <= 1.0 and f"{new_lr:.3g}" in f.fix
    fixed = doctor(model, data, CE, opt_cls(model.parameters(), lr=new_lr), steps=30)
    assert "lr-too-high" not in fixed.codes


def test_lr_too_high_diverging_loss_is_an_error_naming_the_non_finite_module(data):
    ff.manual_seed(0)
    # wide enough that SGD at lr 10 overflows within a few steps
    x, y = fashion(1024)
    model = mlp([784, 256, 128, 10], init=kaiming_relu)
    report = doctor(model, (x, y), CE, ff.optim.SGD(model.parameters(), lr=10.0), steps=30)
    f = only(report, "lr-too-high")
    assert f.severity == "error" and report.has_errors
    assert "non-finite" in report.codes
    nf = report.get("non-finite")[0]
    assert nf.where in {n for n, _ in model.named_modules()} | {
        n for n, _ in model.named_parameters()
    }


@pytest.mark.parametrize("opt_cls", [ff.optim.SGD, ff.optim.Adam])
def test_lr_too_low(data, opt_cls):
    ff.manual_seed(0)
    model = mlp([32, 64, 64, 4], init=kaiming_relu)
    report = doctor(model, data, CE, opt_cls(model.parameters(), lr=1e-7), steps=30)
    f = only(report, "lr-too-low")
    assert f.value < THRESHOLDS.update_ratio_low
    new_lr = f.suggestion["lr"]
    assert new_lr > 1e-5
    fixed = doctor(model, data, CE, opt_cls(model.parameters(), lr=new_lr), steps=30)
    assert "lr-too-low" not in fixed.codes


# ---------------------------------------------------------------------- non-finite


class Log(nn.Module):
    def __init__(self, eps: float = 0.0) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x):
        return (x.clamp(min=self.eps) if self.eps else x).log()


class Sqrt(nn.Module):
    def __init__(self, eps: float = 0.0) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x):
        return (x.clamp(min=self.eps) if self.eps else x).sqrt()


def test_non_finite_output_names_the_first_module(data):
    ff.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), Log(), nn.Linear(64, 4))
    report = doctor(model, data, CE, steps=5)
    f = only(report, "non-finite")
    assert f.where == "2" and f.severity == "error"  # Log: log(0) = -inf from a dead ReLU
    assert "clamp" in f.fix
    model[2].eps = 1e-6  # the fix: clamp the input away from 0
    assert "non-finite" not in doctor(model, data, CE, steps=5).codes


class ProductRelu(nn.Module):
    """x * (x > 0): ReLU's values, but a product's backward, which turns an inf gradient at a
    dead unit into NaN (inf * 0). nn.ReLU's backward gives 0 there, as torch's does, so that
    ReLU -> Sqrt has finite gradients in both libraries."""

    def forward(self, x):
        return x * (x > 0)


def test_non_finite_gradient_names_the_module_whose_backward_blew_up(data):
    ff.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 64), ProductRelu(), Sqrt(), nn.Linear(64, 4))
    report = doctor(model, data, CE, steps=5)
    f = only(report, "non-finite")
    assert f.where == "2" and f.metric == "non-finite gradient"  # d sqrt(x)/dx = inf at 0
    model[2].eps = 1e-6
    assert "non-finite" not in doctor(model, data, CE, steps=5).codes


def test_non_finite_inputs(data):
    x, y = data
    bad = x.clone()
    bad[3, 5] = float("nan")
    model = mlp([32, 64, 4], init=kaiming_relu)
    f = only(doctor(model, (bad, y), CE, steps=5), "non-finite")
    assert f.where == "inputs"
    assert "non-finite" not in doctor(model, (x, y), CE, steps=5).codes


# ---------------------------------------------------------------------- inputs


def test_input_not_normalized_raw_pixels():
    ff.manual_seed(0)
    raw, y = fashion(1024, normalise=False)
    model = mlp([784, 64, 10], init=kaiming_relu)
    report = doctor(model, (raw, y), CE, steps=5)
    f = only(report, "input-not-normalized")
    assert f.where == "inputs" and f.value > 100  # pixel means up to ~200
    x, y = fashion(1024)  # the fix: normalise by the training mean/std
    assert "input-not-normalized" not in doctor(model, (x, y), CE, steps=5).codes


def test_pixels_scaled_to_unit_interval_are_not_flagged():
    raw, y = fashion(1024, normalise=False)
    model = mlp([784, 64, 10], init=kaiming_relu)
    assert "input-not-normalized" not in doctor(model, (raw / 255, y), CE, steps=0).codes


# ---------------------------------------------------------------------- train/eval mode


def test_batchnorm_small_batch(data):
    ff.manual_seed(0)
    model = mlp([32, 64, 64, 4], init=kaiming_relu, norm=nn.BatchNorm1d)
    f = only(doctor(model, data, CE, steps=5, batch_size=4), "batchnorm-small-batch")
    assert f.where == "1" and f.value == 4
    assert "batchnorm-small-batch" not in doctor(model, data, CE, steps=5, batch_size=64).codes
    # the other fix: LayerNorm does not depend on the batch
    model = mlp([32, 64, 64, 4], init=kaiming_relu, norm=nn.LayerNorm)
    assert "batchnorm-small-batch" not in doctor(model, data, CE, steps=5, batch_size=4).codes


def test_eval_mode_forgotten_with_dropout(data):
    ff.manual_seed(0)
    model = mlp([32, 64, 64, 4], init=kaiming_relu, dropout=0.5)
    f = only(doctor(model, data, CE, steps=10), "eval-mode-forgotten")
    assert f.severity == "warning" and f.value > THRESHOLDS.eval_mode_warning
    assert f.where == "2" and "model.eval()" in f.fix
    model.eval()
    report = doctor(model, data, CE, steps=10)
    assert report.healthy and "eval-mode-forgotten" not in report.codes
    assert not model.training  # the doctor trains a copy, the model keeps its mode


# ---------------------------------------------------------------------- healthy networks


@pytest.fixture(scope="module")
def fmnist():
    ff.manual_seed(0)
    return fashion(3072)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: mlp([784, 256, 128, 10]), id="fashion-mlp-default-init"),
        pytest.param(lambda: mlp([784, 128, 64, 64, 10], nn.ReLU, kaiming_relu), id="relu-kaiming"),
        pytest.param(lambda: mlp([784, 128, 64, 64, 10], nn.Tanh, xavier), id="tanh-xavier"),
        pytest.param(lambda: mlp([784, 128, 64, 64, 10], nn.Tanh, kaiming_tanh), id="tanh-kaiming"),
        pytest.param(lambda: mlp([784, 128, 64, 10], norm=nn.BatchNorm1d), id="batchnorm"),
    ],
)
def test_healthy_networks_on_fashion_mnist_get_no_warning(fmnist, build):
    ff.manual_seed(0)
    report = doctor(build(), fmnist, CE, steps=50)
    assert report.healthy, str(report)
    assert report.summary["final_loss"] < report.summary["init_loss"]


def test_the_default_optimizer_is_adam_and_sgd_works_too(fmnist):
    ff.manual_seed(0)
    model = mlp([784, 128, 10], nn.ReLU, kaiming_relu)
    assert doctor(model, fmnist, CE, steps=20).summary["optimizer"].startswith("Adam(lr=0.001")
    sgd = ff.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    assert doctor(model, fmnist, CE, sgd, steps=30).healthy


# ---------------------------------------------------------------------- contract


def test_model_optimizer_and_rng_are_left_untouched(data):
    ff.manual_seed(0)
    model = mlp([32, 64, 64, 4], init=kaiming_relu, norm=nn.BatchNorm1d, dropout=0.2)
    opt = ff.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    CE(model(data[0][:16]), data[1][:16]).backward()
    opt.step()  # give the optimizer some state
    before, buffers = params_of(model), {n: b.numpy().copy() for n, b in model.named_buffers()}
    opt_state = {i: s["momentum_buffer"].numpy().copy() for i, s in enumerate(opt.state.values())}
    grads = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    rng = ff.get_rng_state().numpy().copy()
    calls = []
    model[0].register_forward_hook(lambda *a: calls.append(1))

    doctor(model, data, CE, opt, steps=10)

    for n, v in params_of(model).items():
        np.testing.assert_array_equal(v, before[n])
        np.testing.assert_array_equal(model.get_parameter(n).grad.numpy(), grads[n])
    for n, b in model.named_buffers():
        np.testing.assert_array_equal(b.numpy(), buffers[n])
    for i, s in enumerate(opt.state.values()):
        np.testing.assert_array_equal(s["momentum_buffer"].numpy(), opt_state[i])
    assert opt.param_groups[0]["params"][0] is model[0].weight
    np.testing.assert_array_equal(ff.get_rng_state().numpy(), rng)
    assert calls == []  # the user's hooks did not see the doctor's passes
    assert model.training


def test_the_optimizer_copy_keeps_class_and_hyperparameters(data):
    model = mlp([32, 64, 4], init=kaiming_relu)
    opt = ff.optim.SGD(model.parameters(), lr=0.03, momentum=0.5)
    assert doctor(model, data, CE, opt, steps=2).summary["optimizer"] == "SGD(lr=0.03)"
    other = mlp([32, 64, 4])
    with pytest.raises(ValueError, match="not in the model"):
        doctor(model, data, CE, ff.optim.SGD(other.parameters(), lr=0.1))


def test_dataloader_and_numpy_pairs_are_accepted(data):
    ff.manual_seed(0)
    x, y = data
    model = mlp([32, 64, 64, 4], init=kaiming_relu)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    report = doctor(model, loader, CE, steps=40)  # more steps than batches: a second epoch
    assert report.healthy and report.summary["batch_size"] == 32
    assert report.summary["steps_run"] == 40
    assert doctor(model, (x.numpy(), y.numpy()), CE, steps=5).healthy


def test_bad_arguments():
    model = mlp([4, 3])
    x, y = ff.randn(8, 4), ff.randint(0, 3, (8,))
    with pytest.raises(ValueError, match="steps"):
        doctor(model, (x, y), CE, steps=-1)
    with pytest.raises(ValueError, match="differ in length"):
        doctor(model, (x, y[:5]), CE)
    with pytest.raises(TypeError, match="DataLoader"):
        doctor(model, 3, CE)
    with pytest.raises(TypeError, match="loss_fn"):
        doctor(model, (x, y), "ce")


def test_report_json_and_table(data):
    ff.manual_seed(0)
    model = mlp([32] + [64] * 4 + [4], nn.Tanh, normal01)
    report = doctor(model, data, CE, steps=5)
    parsed = json.loads(report.to_json())
    assert {f["code"] for f in parsed["findings"]} == report.codes
    assert parsed["counts"]["warning"] == len(report.warnings)
    for f in parsed["findings"]:
        assert set(f) >= {"code", "severity", "where", "value", "threshold", "explanation", "fix"}
        assert f["code"] in CODES
    table = str(report)
    for f in report:
        assert f.code in table and f.where in table
    assert table.splitlines()[0] == report.headline()
    # errors come first
    severities = [f.severity for f in report]
    assert severities == sorted(severities, key=("error", "warning", "info").index)


def test_finding_validates_severity():
    with pytest.raises(ValueError, match="severity"):
        Finding("x", "fatal", "a", "m", 1.0, ">", 0.0, "why", "fix")
    f = Finding("x", "info", "a", "m", math.nan, ">", 0.0, "why", "fix")
    assert json.loads(json.dumps(f.to_dict()))["value"] == "nan"
