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
