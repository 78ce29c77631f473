"""Linear, Identity and Embedding against torch: values, gradients, init, errors, gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import feedforward as ff

TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-12, atol=1e-12)}


def linear_pair(in_f: int, out_f: int, bias: bool, dtype: str):
    torch.manual_seed(0)
    t = torch.nn.Linear(in_f, out_f, bias=bias, dtype=getattr(torch, dtype))
    f = ff.nn.Linear(in_f, out_f, bias=bias, dtype=getattr(ff, dtype))
    f.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return f, t


@settings(max_examples=25, deadline=None)
@given(
    lead=st.lists(st.integers(1, 4), min_size=0, max_size=3),
    in_f=st.integers(1, 6),
    out_f=st.integers(1, 6),
    bias=st.booleans(),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_linear_matches_torch_for_any_leading_shape(lead, in_f, out_f, bias, dtype):
    f, t = linear_pair(in_f, out_f, bias, dtype)
    x = np.random.default_rng(0).standard_normal((*lead, in_f)).astype(dtype)
    fx, tx = ff.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    f_out, t_out = f(fx), t(tx)
    assert tuple(f_out.shape) == tuple(t_out.shape) and f_out.dtype.name == dtype
    np.testing.assert_allclose(f_out.detach().numpy(), t_out.detach().numpy(), **TOL[dtype])
    g = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype(dtype)
    f_out.backward(ff.tensor(g))
    t_out.backward(torch.tensor(g))
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), **TOL[dtype])
    np.testing.assert_allclose(f.weight.grad.numpy(), t.weight.grad.numpy(), **TOL[dtype])
    if bias:
        np.testing.assert_allclose(f.bias.grad.numpy(), t.bias.grad.numpy(), **TOL[dtype])


def test_linear_attributes_and_repr():
    for bias in (True, False):
        f, t = ff.nn.Linear(7, 3, bias=bias), torch.nn.Linear(7, 3, bias=bias)
        assert repr(f) == repr(t)
        assert tuple(f.weight.shape) == (3, 7) and f.in_features == 7 and f.out_features == 3
        assert list(f.state_dict()) == list(t.state_dict())
        assert (f.bias is None) == (not bias)


def test_linear_bad_input_shape_message():
    layer = ff.nn.Linear(in_features=50, out_features=10)
    with pytest.raises(RuntimeError) as info:
        layer(ff.zeros(64, 784))
    assert str(info.value) == (
        "Linear(in_features=50, out_features=10, bias=True) expected input (..., 50), got (64, 784)"
    )
    with pytest.raises(RuntimeError, match="expected input"):
        layer(ff.tensor(1.0))


def test_linear_dtype_mismatch_and_non_tensor_input():
    layer = ff.nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="same dtype, but got float64 input and float32 weight"):
        layer(ff.zeros(2, 3, dtype=ff.float64))
    with pytest.raises(TypeError, match="must be Tensor, not ndarray"):
        layer(np.zeros((2, 3), np.float32))


def test_linear_default_init_bounds_are_one_over_sqrt_fan_in():
    ff.manual_seed(0)
    layer = ff.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # kaiming_uniform_(a=sqrt(5)) is U(-bound, bound): std bound / sqrt(3), fills the range
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(w).max() > 0.999 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert w.dtype == np.float32


def test_linear_reset_parameters_draws_new_values_and_respects_seed():
    ff.manual_seed(3)
    a = ff.nn.Linear(5, 4)
    ff.manual_seed(3)
    b = ff.nn.Linear(5, 4)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    before = a.weight.detach().numpy().copy()
    a.reset_parameters()
    assert not np.array_equal(before, a.weight.detach().numpy())


def test_linear_gradcheck():
    ff.manual_seed(0)
    layer = ff.nn.Linear(4, 3).double()
    x = ff.randn(2, 5, 4, dtype=ff.float64, requires_grad=True)
    # gradcheck perturbs its inputs in place, and the weight and bias are the layer's own
    assert ff.autograd.gradcheck(lambda x, w, b: layer(x), (x, layer.weight, layer.bias))
    no_bias = ff.nn.Linear(4, 2, bias=False).double()
    assert ff.autograd.gradcheck(lambda x, w: no_bias(x), (x, no_bias.weight))


def test_identity_returns_its_input():
    x = ff.randn(3)
    assert ff.nn.Identity(1, 2, k=3)(x) is x


# ---------------------------------------------------------------- Embedding


def embedding_pair(**kwargs):
    torch.manual_seed(0)
    t = torch.nn.Embedding(12, 5, **kwargs)
    f = ff.nn.Embedding(12, 5, **kwargs)
    f.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return f, t


IDS = np.array([[1, 2, 2, 0], [11, 2, 5, 0], [7, 7, 7, 3]])


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"padding_idx": 0},
        {"padding_idx": -1},
        {"scale_grad_by_freq": True},
        {"padding_idx": 2, "scale_grad_by_freq": True},
        {"max_norm": 1.0},
        {"max_norm": 2.0, "norm_type": 1.0},
    ],
)
@pytest.mark.parametrize("shape", [(3, 4), (12,), (2, 3, 2), ()])
def test_embedding_matches_torch(kwargs, shape):
    f, t = embedding_pair(**kwargs)
    ids = IDS.reshape(-1)[: int(np.prod(shape))].reshape(shape)
    f_out, t_out = f(ff.tensor(ids)), t(torch.tensor(ids))
    assert tuple(f_out.shape) == tuple(t_out.shape) == (*shape, 5)
    np.testing.assert_allclose(f_out.detach().numpy(), t_out.detach().numpy(), **TOL["float32"])
    g = np.random.default_rng(0).standard_normal(tuple(t_out.shape)).astype(np.float32)
    f_out.backward(ff.tensor(g))
    t_out.backward(torch.tensor(g))
    np.testing.assert_allclose(f.weight.grad.numpy(), t.weight.grad.numpy(), **TOL["float32"])
    # max_norm renormalises the table itself, in place
    np.testing.assert_allclose(
        f.weight.detach().numpy(), t.weight.detach().numpy(), **TOL["float32"]
    )


def test_embedding_padding_row_is_zero_and_repr_matches():
    f, t = ff.nn.Embedding(10, 3, padding_idx=-1), torch.nn.Embedding(10, 3, padding_idx=-1)
    assert f.padding_idx == 9 and not f.weight.detach().numpy()[9].any()
    assert repr(f) == repr(t)
    for kwargs in ({"max_norm": 1.0, "norm_type": 1.0, "scale_grad_by_freq": True}, {}):
        assert repr(ff.nn.Embedding(4, 2, **kwargs)) == repr(torch.nn.Embedding(4, 2, **kwargs))


def test_embedding_init_is_standard_normal():
    ff.manual_seed(0)
    w = ff.nn.Embedding(1000, 500).weight.detach().numpy()
    assert abs(w.mean()) < 0.005 and abs(w.std() - 1) < 0.005


def test_embedding_errors_match_torch():
    for lib in (ff, torch):
        emb = lib.nn.Embedding(10, 3)
        for bad in ([10], [-1]):
            with pytest.raises(IndexError, match="index out of range in self"):
                emb(lib.tensor(bad))
        with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
            emb(lib.tensor([1.0]))
        with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
            lib.nn.Embedding(10, 3, padding_idx=10)


def test_embedding_accepts_int32_and_from_pretrained():
    table = ff.randn(4, 2)
    emb = ff.nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    out = emb(ff.tensor([3, 0], dtype=ff.int32))
    np.testing.assert_array_equal(out.numpy(), table.numpy()[[3, 0]])
    assert ff.nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_embedding_gradcheck():
    ff.manual_seed(0)
    weight = ff.randn(6, 3, dtype=ff.float64, requires_grad=True)
    ids = ff.tensor([[0, 2, 2], [5, 2, 1]])
    # repeated ids: their gradients must add up. (padding_idx and scale_grad_by_freq change the
    # gradient on purpose, so they are compared with torch above instead.)
    assert ff.autograd.gradcheck(lambda w: ff.nn.functional.embedding(ids, w), (weight,))
    emb = ff.nn.Embedding(6, 3).double()
    assert ff.autograd.gradcheck(lambda w: emb(ids), (emb.weight,))
