"""nn.utils: gradient clipping and parameter/vector conversion, against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import feedforward as ff
from feedforward.nn import utils

SHAPES = [(4, 3), (3,), (2, 2, 2), (1,)]


def grads_pair(dtype: str, scale: float = 1.0, seed: int = 0):
    """Parameters with the same .grad in both libraries (one parameter has no grad)."""
    rng = np.random.default_rng(seed)
    f_params, t_params = [], []
    for i, shape in enumerate(SHAPES):
        value = rng.standard_normal(shape).astype(dtype)
        f, t = ff.nn.Parameter(ff.tensor(value)), torch.nn.Parameter(torch.tensor(value))
        if i != 1:
            g = (rng.standard_normal(shape) * scale).astype(dtype)
            f.grad, t.grad = ff.tensor(g), torch.tensor(g)
        f_params.append(f)
        t_params.append(t)
    return f_params, t_params


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", [1, 2, 2.0, 3.5, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])  # clipping, and leaving alone
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    f_params, t_params = grads_pair(dtype, scale=3.0)
    f_total = utils.clip_grad_norm_(f_params, max_norm, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(t_params, max_norm, norm_type)
    tol = dict(rtol=1e-6) if dtype == "float32" else dict(rtol=1e-13)
    assert isinstance(f_total, ff.Tensor) and f_total.shape == () and f_total.dtype.name == dtype
    np.testing.assert_allclose(f_total.item(), t_total.item(), **tol)
    for f, t in zip(f_params, t_params):
        assert (f.grad is None) == (t.grad is None)
        if t.grad is not None:
            np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), **tol)


def test_clip_grad_norm_result_has_the_requested_norm():
    f_params, _ = grads_pair("float64", scale=10.0)
    utils.clip_grad_norm_(f_params, 2.0)
    flat = np.concatenate([p.grad.numpy().ravel() for p in f_params if p.grad is not None])
    assert abs(np.linalg.norm(flat) - 2.0) < 1e-5


def test_clip_grad_norm_accepts_a_single_tensor_and_a_generator():
    f_params, t_params = grads_pair("float32")
    f_total = utils.clip_grad_norm_(f_params[0], 0.1)
    t_total = torch.nn.utils.clip_grad_norm_(t_params[0], 0.1)
    np.testing.assert_allclose(f_total.item(), t_total.item(), rtol=1e-6)
    model = ff.nn.Linear(3, 2)
    model(ff.randn(4, 3)).sum().backward()
    assert utils.clip_grad_norm_(model.parameters(), 1.0).item() > 0
    with pytest.warns(UserWarning, match="empty generator"):
        total = utils.clip_grad_norm_((p for p in []), 1.0)
    assert total.item() == 0.0


def test_clip_grad_norm_nonfinite():
    for lib, clip in ((ff, utils.clip_grad_norm_), (torch, torch.nn.utils.clip_grad_norm_)):
        p = lib.nn.Parameter(lib.zeros(3))
        p.grad = lib.tensor([1.0, float("inf"), 2.0])
        with pytest.raises(RuntimeError) as info:
            clip(p, 1.0, error_if_nonfinite=True)
        if lib is ff:
            ff_msg = str(info.value)
        else:
            assert ff_msg == str(info.value)
        assert np.isinf(clip(p, 1.0).item())  # without the flag: scaled by the inf norm


@pytest.mark.parametrize("clip_value", [0.1, 0.7, 5.0])
def test_clip_grad_value_matches_torch(clip_value):
    f_params, t_params = grads_pair("float32", scale=2.0)
    assert utils.clip_grad_value_(f_params, clip_value) is None
    torch.nn.utils.clip_grad_value_(t_params, clip_value)
    for f, t in zip(f_params, t_params):
        if t.grad is not None:
            np.testing.assert_array_equal(f.grad.numpy(), t.grad.numpy())


def test_clip_keeps_the_grad_objects():
    f_params, _ = grads_pair("float32", scale=5.0)
    grads = [p.grad for p in f_params]
    utils.clip_grad_norm_(f_params, 0.1)
    utils.clip_grad_value_(f_params, 0.01)
    assert [p.grad for p in f_params] == grads


def test_parameters_to_vector_and_back_match_torch():
    f_params, t_params = grads_pair("float32")
    f_vec = utils.parameters_to_vector(f_params)
    t_vec = torch.nn.utils.parameters_to_vector(t_params)
    np.testing.assert_array_equal(f_vec.detach().numpy(), t_vec.detach().numpy())
    assert f_vec.requires_grad  # differentiable, as torch's
    new = np.arange(f_vec.numel(), dtype=np.float32)
    before = [id(p) for p in f_params]
    utils.vector_to_parameters(ff.tensor(new), f_params)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), t_params)
    for f, t in zip(f_params, t_params):
        np.testing.assert_array_equal(f.detach().numpy(), t.detach().numpy())
    assert [id(p) for p in f_params] == before
    with pytest.raises(TypeError, match="expected feedforward.Tensor"):
        utils.vector_to_parameters(new, f_params)
    with pytest.raises(RuntimeError, match="has 3 elements"):
        utils.vector_to_parameters(ff.zeros(3), f_params)


def test_parameters_to_vector_gradient_flows_back():
    model = ff.nn.Linear(3, 2)
    vec = utils.parameters_to_vector(model.parameters())
    (vec * vec).sum().backward()
    np.testing.assert_allclose(model.weight.grad.numpy(), 2 * model.weight.detach().numpy())


# ---------------------------------------------------------------- fusion, skip_init


def linear_bn_pair(bias=True, num_features=3, dtype="float32", seed=0):
    """Linear(4, 3) then BatchNorm1d, in eval mode, with the same (non-trivial) state in both."""
    rng = np.random.default_rng(seed)
    state = {
        "weight": rng.standard_normal((3, 4)),
        "bias": rng.standard_normal(3),
    }
    bn_state = {
        "weight": rng.standard_normal(num_features),
        "bias": rng.standard_normal(num_features),
        "running_mean": rng.standard_normal(num_features),
        "running_var": rng.uniform(0.5, 2, num_features),
        "num_batches_tracked": np.array(5),
    }
    if not bias:
        del state["bias"]
    pairs = []
    for lib in (ff, torch):
        dt = getattr(lib, dtype)
        linear = lib.nn.Linear(4, 3, bias=bias, dtype=dt)
        bn = lib.nn.BatchNorm1d(num_features, eps=1e-3, dtype=dt)

        def as_tensor(a, lib=lib):
            return lib.tensor(a.astype(dtype) if a.dtype.kind == "f" else a)

        linear.load_state_dict({k: as_tensor(v) for k, v in state.items()})
        bn.load_state_dict({k: as_tensor(v) for k, v in bn_state.items()})
        pairs.append((linear.eval(), bn.eval()))
    return pairs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias,num_features", [(True, 3), (False, 3), (True, 1)])
def test_fuse_linear_bn_eval_matches_torch(dtype, bias, num_features):
    (f_linear, f_bn), (t_linear, t_bn) = linear_bn_pair(bias, num_features, dtype)
    f_fused = utils.fuse_linear_bn_eval(f_linear, f_bn)
    t_fused = torch.nn.utils.fuse_linear_bn_eval(t_linear, t_bn)
    assert f_fused is not f_linear and type(f_fused) is ff.nn.Linear
    assert repr(f_fused) == repr(t_fused)
    tol = 1e-6 if dtype == "float32" else 1e-13
    for name, t in t_fused.named_parameters():
        f = getattr(f_fused, name)
        assert isinstance(f, ff.nn.Parameter) and f.dtype.name == dtype
        assert f.requires_grad == t.requires_grad  # a bias made from no bias does not
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(dtype)
    fused = f_fused(ff.tensor(x)).detach().numpy()
    np.testing.assert_allclose(fused, t_fused(torch.tensor(x)).detach().numpy(), rtol=tol, atol=tol)
    if num_features == 3:  # what it stands for (a 1-feature bn does not take 3 features)
        unfused = f_bn(f_linear(ff.tensor(x))).detach().numpy()
        np.testing.assert_allclose(fused, unfused, rtol=1e-5, atol=1e-5)
    if not bias:
        assert f_linear.bias is None  # the original is left as it was


def test_fuse_linear_bn_weights_matches_torch():
    """Without a linear bias; a weight that requires no grad gives a Parameter that does not."""
    rng = np.random.default_rng(2)
    w = rng.standard_normal((3, 4)).astype("float32")
    mean, bn_w, bn_b = (rng.standard_normal(3).astype("float32") for _ in range(3))
    var = rng.uniform(0.5, 2, 3).astype("float32")
    results = []
    for lib in (ff, torch):
        rm, rv, gamma, beta = (lib.tensor(a) for a in (mean, var, bn_w, bn_b))
        results.append(
            lib.nn.utils.fuse_linear_bn_weights(lib.tensor(w), None, rm, rv, 1e-5, gamma, beta)
        )
    for f, t in zip(*results):
        assert isinstance(f, ff.nn.Parameter) and not f.requires_grad and not t.requires_grad
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("which", ["training", "features"])
def test_fuse_linear_bn_eval_errors_match_torch(which):
    messages = []
    for lib in (ff, torch):
        linear, bn = lib.nn.Linear(4, 3), lib.nn.BatchNorm1d(2 if which == "features" else 3)
        if which == "features":
            linear.eval(), bn.eval()
        with pytest.raises(AssertionError) as info:
            lib.nn.utils.fuse_linear_bn_eval(linear, bn)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_skip_init_matches_torch():
    for lib in (ff, torch):
        m = lib.nn.utils.skip_init(lib.nn.Linear, 5, 2, bias=False, dtype=lib.float64)
        assert (
            type(m) is lib.nn.Linear
            and repr(m) == "Linear(in_features=5, out_features=2, bias=False)"
        )
        assert m.weight.shape == (2, 5) and m.weight.dtype == lib.float64
        assert isinstance(m.weight, lib.nn.Parameter) and m.weight.requires_grad
        bn = lib.nn.utils.skip_init(lib.nn.BatchNorm1d, 3)
        assert [n for n, _ in bn.named_buffers()] == [
            "running_mean",
            "running_var",
            "num_batches_tracked",
        ]
    errors = []
    for lib in (ff, torch):
        for bad in (lib.nn.ReLU, int, 3):
            with pytest.raises((RuntimeError, TypeError)) as info:
                lib.nn.utils.skip_init(bad)
            errors.append((info.type, str(info.value).replace("torch", "feedforward")))
    assert errors[:3] == errors[3:]


def test_skip_init_leaves_values_unset():
    """The values are fresh memory, not the module's initialisation: a state set afterwards
    is the state (and the parameters own their storage)."""
    m = utils.skip_init(ff.nn.Linear, 3, 2)
    m.weight.data.fill_(1.0)
    np.testing.assert_array_equal(m(ff.ones(1, 3)).detach().numpy() - m.bias.detach().numpy(), 3)


# ---------------------------------------------------------------- functional_call


class TiedNet:
    """A Linear and a BatchNorm, the second Linear sharing the first's weight."""

    @staticmethod
    def make(lib, seed=0):
        nn = lib.nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 3)
                self.bn = nn.BatchNorm1d(3)
                self.out = nn.Linear(3, 3)
                self.out.weight = self.fc.weight  # tied

            def forward(self, x, scale=1.0):
                return self.out(self.bn(self.fc(x))) * scale

        net = Net()
        rng = np.random.default_rng(seed)
        net.load_state_dict(
            {
                k: lib.tensor(rng.standard_normal(tuple(v.shape)).astype("float32"))
                if v.dtype.is_floating_point
                else v
                for k, v in net.state_dict().items()
            }
        )
        return net


def functional_calls():
    """(lib, call) pairs: ff.func's and torch.func's functional_call."""
    return [(ff, ff.func.functional_call), (torch, torch.func.functional_call)]


@pytest.mark.parametrize("tie_weights", [True, False])
def test_functional_call_matches_torch(tie_weights):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((3, 3)).astype("float32")
    mean = rng.standard_normal(3).astype("float32")
    x = rng.standard_normal((4, 3)).astype("float32")
    results = []
    for lib, call in functional_calls():
        net = TiedNet.make(lib)
        before = dict(net.state_dict(keep_vars=True))
        params = {
            "fc.weight": lib.tensor(w, requires_grad=True),
            "bn.running_mean": lib.tensor(mean),
        }
        y = call(net, params, (lib.tensor(x),), {"scale": 2.0}, tie_weights=tie_weights)
        y.sum().backward()
        # the module's own tensors are back (the running variance, not given, was updated)
        assert all(v is before[k] for k, v in net.state_dict(keep_vars=True).items())
        assert net.out.weight is net.fc.weight
        grads = params["fc.weight"].grad, net.fc.weight.grad, net.out.bias.grad
        results.append((y, *grads, net.bn.running_var, params))
    for f, t in zip(results[0][:5], results[1][:5]):
        assert (f is None) == (t is None)  # untied: the module's weight is still used by out
        if t is not None:
            np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
    # the buffer the call replaced comes back updated in the dict (BatchNorm's running mean)
    f_params, t_params = results[0][-1], results[1][-1]
    np.testing.assert_allclose(
        f_params["bn.running_mean"].numpy(), t_params["bn.running_mean"].numpy(), rtol=1e-6
    )


def test_functional_call_takes_a_sequence_of_dicts_and_a_bare_argument():
    x = np.ones((2, 3), "float32")
    outs = []
    for lib, call in functional_calls():
        net = lib.nn.Linear(3, 1)
        parts = ({"weight": lib.full((1, 3), 2.0)}, {"bias": lib.zeros(1)})
        outs.append(call(net, parts, lib.tensor(x)).detach().numpy())
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], 6.0)


@pytest.mark.parametrize(
    "params,kwargs",
    [
        ({"fc.weight": "ones", "out.weight": "zeros"}, {}),  # two values for tied names
        ({"fc.weight": "ones"}, dict(strict=True)),  # missing keys
        ({"nope": "ones"}, dict(strict=True)),  # unexpected and missing
        ([{"fc.bias": "ones"}, {"fc.bias": "ones"}], {}),  # a name in two dicts
        ([{"fc.bias": "ones"}, 3], {}),
        (3, {}),
        ({"fc.bias": 3}, {}),  # not a tensor
        ({"fc.bias.x": "ones"}, {}),  # below a tensor
    ],
)
def test_functional_call_errors_match_torch(params, kwargs):
    def build(lib, value):
        if isinstance(value, dict):
            return {k: build(lib, v) for k, v in value.items()}
        if isinstance(value, list):
            return [build(lib, v) for v in value]
        if value == "ones":
            return lib.ones(3, 3)
        if value == "zeros":
            return lib.zeros(3, 3)
        return value

    errors = []
    for lib, call in functional_calls():
        net = TiedNet.make(lib)
        with pytest.raises((ValueError, RuntimeError, TypeError, AttributeError, KeyError)) as info:
            call(net, build(lib, params), (lib.ones(2, 3),), **kwargs)
        errors.append((info.type, str(info.value).replace("torch.", "feedforward.")))
        assert net.out.weight is net.fc.weight  # nothing left swapped
    if "not an instance" in errors[1][1]:  # torch prints the tensor or module it found
        errors = [(t, m.split(" ")[-1]) for t, m in errors]
    assert errors[0] == errors[1]


def test_stateless_functional_call_warns_as_torch():
    messages = []
    for lib in (ff, torch):
        net = lib.nn.Linear(2, 1)
        with pytest.warns(FutureWarning) as record:
            y = lib.nn.utils.stateless.functional_call(net, {"bias": lib.ones(1)}, lib.zeros(1, 2))
        assert y.item() == 1.0
        messages.append(str(record[0].message))
    assert messages[0] == messages[1]


def test_functional_call_gradcheck():
    net = ff.nn.Sequential(ff.nn.Linear(3, 2), ff.nn.Tanh()).double()
    x = ff.randn(4, 3, dtype=ff.float64)

    def call(weight, bias):
        return ff.func.functional_call(net, {"0.weight": weight, "0.bias": bias}, (x,))

    weight = ff.randn(2, 3, dtype=ff.float64, requires_grad=True)
    bias = ff.randn(2, dtype=ff.float64, requires_grad=True)
    assert ff.autograd.gradcheck(call, (weight, bias))
