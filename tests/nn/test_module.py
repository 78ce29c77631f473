"""nn.Module, Parameter and the containers, checked against torch.nn.

Each architecture is written once as a builder taking the library (torch or feedforward), built
in both, torch's weights are copied into feedforward through ``load_state_dict`` with NumPy
arrays, and then reprs, state_dict keys, outputs and every parameter gradient must agree.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch

import feedforward as ff
from feedforward import nn

TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-12, atol=1e-12)}


# ---------------------------------------------------------------- architectures (both libraries)


def nested_sequential(lib):
    n = lib.nn
    return n.Sequential(
        n.Linear(6, 5), n.Sequential(n.Linear(5, 4), n.Flatten()), n.Linear(4, 3, bias=False)
    )


def named_sequential(lib):
    n = lib.nn
    return n.Sequential(OrderedDict([("hidden", n.Linear(6, 8)), ("out", n.Linear(8, 2))]))


def module_list_model(lib):
    n = lib.nn

    class Tower(n.Module):
        def __init__(self):
            super().__init__()
            self.layers = n.ModuleList([n.Linear(6, 6) for _ in range(3)] + [n.Identity()])
            self.head = n.Linear(6, 2)

        def forward(self, x):
            for layer in self.layers:
                x = layer(x).tanh()
            return self.head(x)

    return Tower()


def module_dict_model(lib):
    n = lib.nn

    class Heads(n.Module):
        def __init__(self):
            super().__init__()
            self.trunk = n.Linear(6, 4)
            self.heads = n.ModuleDict({"cls": n.Linear(4, 3), "reg": n.Linear(4, 1)})

        def forward(self, x):
            h = self.trunk(x).tanh()
            return self.heads["cls"](h).sum(1, keepdim=True) * self.heads["reg"](h)

    return Heads()


def buffered_model(lib):
    n = lib.nn

    class Block(n.Module):
        def __init__(self):
            super().__init__()
            self.fc = n.Linear(6, 6)
            self.register_buffer("scale", lib.linspace(0.5, 1.5, 6))
            self.register_buffer("cache", lib.zeros(2), persistent=False)
            self.gain = n.Parameter(lib.ones(6) * 0.9)

        def forward(self, x):
            return self.fc(x).tanh() * self.scale * self.gain + x

    class Net(n.Module):
        def __init__(self):
            super().__init__()
            self.block1 = Block()
            self.block2 = Block()
            self.out = n.Linear(6, 3)

        def forward(self, x):
            return self.out(self.block2(self.block1(x)))

    return Net()


def embedding_model(lib):
    n = lib.nn

    class Bag(n.Module):
        def __init__(self):
            super().__init__()
            self.emb = n.Embedding(10, 4, padding_idx=0)
            self.flat = n.Flatten()
            self.fc = n.Linear(12, 2)

        def forward(self, ids):
            return self.fc(self.flat(self.emb(ids)))

    return Bag()


def mlp_with_other_layers(lib):
    n = lib.nn  # layers of feedforward.nn written elsewhere, inside this file's containers
    return n.Sequential(
        n.Linear(6, 8),
        n.BatchNorm1d(8),
        n.ReLU(),
        n.Dropout(0.0),
        n.Sequential(n.Linear(8, 8), n.LayerNorm(8), n.Tanh()),
        n.Linear(8, 3),
    )


ARCHITECTURES = [
    nested_sequential,
    named_sequential,
    module_list_model,
    module_dict_model,
    buffered_model,
    embedding_model,
    mlp_with_other_layers,
]


def pair(builder):
    """The same architecture in torch and feedforward, with torch's weights in both."""
    torch.manual_seed(0)
    t_model = builder(torch)
    f_model = builder(ff)
    f_model.load_state_dict({k: v.detach().numpy() for k, v in t_model.state_dict().items()})
    return f_model, t_model


def inputs_for(builder, dtype: str):
    rng = np.random.default_rng(1)
    if builder is embedding_model:
        ids = rng.integers(0, 10, size=(5, 3))
        ids[0, 0] = ids[1, 2] = 0  # the padding row appears
        ids[2] = [4, 4, 4]  # a row used repeatedly
        return ff.tensor(ids), torch.tensor(ids), False
    x = rng.standard_normal((5, 6)).astype(dtype)
    return ff.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True), True


# ---------------------------------------------------------------- parity


@pytest.mark.parametrize("builder", ARCHITECTURES, ids=lambda b: b.__name__)
def test_repr_and_state_dict_keys_match_torch(builder):
    f_model, t_model = pair(builder)
    assert repr(f_model) == repr(t_model)
    assert list(f_model.state_dict()) == list(t_model.state_dict())
    assert [n for n, _ in f_model.named_parameters()] == [n for n, _ in t_model.named_parameters()]
    assert [n for n, _ in f_model.named_buffers()] == [n for n, _ in t_model.named_buffers()]
    assert [n for n, _ in f_model.named_modules()] == [n for n, _ in t_model.named_modules()]
    assert [n for n, _ in f_model.named_children()] == [n for n, _ in t_model.named_children()]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("builder", ARCHITECTURES, ids=lambda b: b.__name__)
def test_outputs_and_all_gradients_match_torch(builder, dtype):
    f_model, t_model = pair(builder)
    if dtype == "float64":
        f_model.double()
        t_model.double()
    fx, tx, x_grad = inputs_for(builder, dtype)
    f_out, t_out = f_model(fx), t_model(tx)
    assert f_out.dtype.name == dtype
    np.testing.assert_allclose(f_out.detach().numpy(), t_out.detach().numpy(), **TOL[dtype])
    upstream = np.random.default_rng(2).standard_normal(tuple(t_out.shape)).astype(dtype)
    (f_out * ff.tensor(upstream)).sum().backward()
    (t_out * torch.tensor(upstream)).sum().backward()
    t_params = dict(t_model.named_parameters())
    for name, p in f_model.named_parameters():
        assert p.grad is not None, name
        np.testing.assert_allclose(
            p.grad.numpy(), t_params[name].grad.numpy(), err_msg=name, **TOL[dtype]
        )
    if x_grad:
        np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), **TOL[dtype])
    t_buffers = dict(t_model.named_buffers())
    for name, b in f_model.named_buffers():  # e.g. BatchNorm's running statistics
        np.testing.assert_allclose(b.numpy(), t_buffers[name].numpy(), err_msg=name, **TOL[dtype])


def test_state_dict_values_are_detached_and_share_storage():
    model = buffered_model(ff)
    sd = model.state_dict()
    assert isinstance(sd, OrderedDict)
    assert not sd["block1.fc.weight"].requires_grad
    assert type(sd["block1.fc.weight"]) is ff.Tensor
    sd["block1.fc.weight"].numpy()[0, 0] = 123.0
    assert model.block1.fc.weight.detach().numpy()[0, 0] == 123.0
    assert "block1.cache" not in sd  # non-persistent buffer
    kept = model.state_dict(keep_vars=True)
    assert kept["block1.gain"] is model.block1.gain


def test_load_state_dict_copies_in_place_and_casts():
    model = nested_sequential(ff)
    weight = model[0].weight
    source = nested_sequential(ff).double()
    result = model.load_state_dict(source.state_dict())
    assert model[0].weight is weight  # an optimizer holding it keeps working
    assert weight.dtype == ff.float32
    np.testing.assert_allclose(
        weight.detach().numpy(), source[0].weight.detach().numpy(), rtol=1e-6
    )
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"


# ---------------------------------------------------------------- load_state_dict errors


def _error(fn) -> str:
    with pytest.raises(RuntimeError) as info:
        fn()
    return str(info.value)


def _corrupt(sd: dict) -> dict:
    sd = OrderedDict(sd)
    del sd["1.0.bias"]
    del sd["2.weight"]
    sd["1.extra"] = sd["0.bias"]
    sd["zzz"] = sd["0.bias"]
    sd["0.weight"] = sd["0.weight"][:, :4]  # shape (5, 4) instead of (5, 6)
    return sd


def test_strict_load_error_lists_every_problem_like_torch():
    torch.manual_seed(0)
    t_model = nested_sequential(torch)
    f_model = nested_sequential(ff)
    t_sd = _corrupt(t_model.state_dict())
    f_sd = _corrupt({k: v.numpy() for k, v in t_model.state_dict().items()})
    t_msg = _error(lambda: t_model.load_state_dict(t_sd))
    f_msg = _error(lambda: f_model.load_state_dict(f_sd))
    assert f_msg == t_msg.replace("torch.Size", "feedforward.Size")
    assert f_msg.startswith("Error(s) in loading state_dict for Sequential:\n\tMissing key(s)")


def test_non_strict_load_reports_the_same_keys_as_torch():
    torch.manual_seed(0)
    t_model, f_model = buffered_model(torch), buffered_model(ff)
    t_sd = OrderedDict(t_model.state_dict())
    del t_sd["block2.scale"], t_sd["out.bias"]
    t_sd["block1.fc.nope"] = t_sd["out.weight"]
    t_sd["block3.fc.weight"] = t_sd["out.weight"]
    f_sd = {k: v.numpy() for k, v in t_sd.items()}
    t_res = t_model.load_state_dict(t_sd, strict=False)
    f_res = f_model.load_state_dict(f_sd, strict=False)
    assert f_res.missing_keys == t_res.missing_keys
    assert f_res.unexpected_keys == t_res.unexpected_keys
    assert repr(f_res) == repr(t_res)
    np.testing.assert_array_equal(
        f_model.block1.fc.weight.detach().numpy(), t_model.block1.fc.weight.detach().numpy()
    )


def test_size_mismatch_raises_even_when_not_strict():
    model = ff.nn.Linear(3, 2)
    msg = _error(lambda: model.load_state_dict({"weight": np.zeros((2, 4))}, strict=False))
    assert "size mismatch for weight" in msg and "feedforward.Size([2, 4])" in msg


def test_load_state_dict_rejects_non_mappings():
    with pytest.raises(TypeError, match="dict-like"):
        ff.nn.Linear(2, 2).load_state_dict([("weight", np.zeros((2, 2)))])


# ---------------------------------------------------------------- registration and attributes


def test_assigning_a_tensor_to_a_parameter_name_raises_type_error():
    f, t = ff.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    with pytest.raises(TypeError) as f_info:
        f.weight = ff.zeros(2, 2)
    with pytest.raises(TypeError) as t_info:
        t.weight = torch.zeros(2, 2)
    assert str(f_info.value) == str(t_info.value).replace("torch", "feedforward")
    f.weight = None  # None is allowed, as in torch
    assert f.weight is None and "weight" not in f.state_dict()


def test_assigning_before_init_raises():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ff.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_missing_forward_raises_torchs_not_implemented_error():
    class Foo(nn.Module):
        pass

    class TFoo(torch.nn.Module):
        pass

    with pytest.raises(NotImplementedError) as f_info:
        Foo()(ff.zeros(1))
    with pytest.raises(NotImplementedError) as t_info:
        TFoo()(torch.zeros(1))
    assert str(f_info.value) == str(t_info.value).replace("TFoo", "Foo")


def test_getattr_setattr_delattr_and_dir():
    model = buffered_model(ff)
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        model.nope
    block = model.block1
    assert {"fc", "scale", "cache", "gain"} <= set(dir(block))
    del block.gain
    assert "gain" not in dict(block.named_parameters())
    del block.scale
    assert "scale" not in block.state_dict()
    block.fc = ff.nn.Identity()  # replace a child module
    assert isinstance(block.fc, ff.nn.Identity) and "fc.weight" not in block.state_dict()
    block.plain = 3  # an ordinary attribute
    assert block.plain == 3 and "plain" not in block.state_dict()
    block.buf = ff.nn.Buffer(ff.ones(2), persistent=False)
    assert "buf" in dict(block.named_buffers()) and "buf" not in block.state_dict()
    assert type(block.buf) is ff.Tensor


def test_register_errors_match_torch():
    for lib in (torch, ff):
        m = lib.nn.Linear(2, 2)
        with pytest.raises(KeyError, match="contain"):
            m.register_parameter("a.b", None)
        with pytest.raises(KeyError, match="already exists"):
            m.register_buffer("in_features", lib.zeros(1))
        with pytest.raises(TypeError, match="is not a Module subclass"):
            m.add_module("x", 3)
        with pytest.raises(TypeError):
            m.register_buffer("b", 3)


def test_get_submodule_and_get_parameter():
    model = buffered_model(ff)
    assert model.get_submodule("block2.fc") is model.block2.fc
    assert model.get_submodule("") is model
    assert model.get_parameter("block1.fc.bias") is model.block1.fc.bias
    assert model.get_buffer("block1.scale") is model.block1.scale
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        model.get_submodule("block1.nope")
    with pytest.raises(AttributeError, match="is not an nn.Parameter"):
        model.get_parameter("block1.scale")


def test_shared_modules_and_parameters_appear_once_like_torch():
    for lib in (torch, ff):
        shared = lib.nn.Linear(3, 3)
        model = lib.nn.Sequential(shared, lib.nn.Linear(3, 3), shared)
        names = [n for n, _ in model.named_parameters()]
        assert names == ["0.weight", "0.bias", "1.weight", "1.bias"]
        assert len(list(model.modules())) == 3
        assert len(list(model.named_parameters(remove_duplicate=False))) == 6
        assert list(model.state_dict()) == [
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "2.weight",
            "2.bias",
        ]
        assert [n for n, _ in model.named_parameters(recurse=False)] == []


# ---------------------------------------------------------------- modes, gradients, conversion


def test_train_eval_propagate():
    model = module_list_model(ff)
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="boolean"):
        model.train("yes")


def test_zero_grad_and_requires_grad():
    model = nested_sequential(ff)
    model(ff.randn(2, 6)).sum().backward()
    grad = model[0].weight.grad
    model.zero_grad(set_to_none=False)
    assert model[0].weight.grad is grad and not grad.numpy().any()
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    assert not model(ff.randn(2, 6)).requires_grad


def test_apply_visits_children_first():
    model = nested_sequential(ff)
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "Linear", "Flatten", "Sequential", "Linear", "Sequential"]


def test_dtype_casts_keep_the_parameter_objects():
    model = buffered_model(ff)
    params = list(model.parameters())
    model(ff.randn(2, 6)).sum().backward()
    assert model.double() is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.dtype == ff.float64 and p.grad.dtype == ff.float64 for p in params)
    assert model.block1.scale.dtype == ff.float64
    assert model(ff.randn(2, 6, dtype=ff.float64)).dtype == ff.float64
    model.to(ff.float32)
    assert all(p.dtype == ff.float32 for p in params)
    assert model.to("cpu") is model and model.cpu() is model
    model.to(ff.randn(1, dtype=ff.float64))
    assert params[0].dtype == ff.float64
    model.float()
    assert params[0].dtype == ff.float32


def test_non_cpu_devices_and_integer_dtypes_raise():
    model = ff.nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="CPU only"):
        model.to("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        model.cuda()
    with pytest.raises(TypeError, match="floating point"):
        model.to(ff.int64)


# ---------------------------------------------------------------- hooks


def test_forward_pre_hook_and_forward_hook_fire_and_can_be_removed():
    model = ff.nn.Linear(3, 2)
    calls = []

    def pre(module, args):
        calls.append(("pre", module, args[0].shape))
        return (args[0] * 0,)

    def post(module, args, output):
        calls.append(("post", module, output.shape))
        return output + 1

    h1 = model.register_forward_pre_hook(pre)
    h2 = model.register_forward_hook(post)
    out = model(ff.randn(4, 3))
    expected = model.bias.detach().numpy() + 1  # input zeroed, output shifted
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(expected, (4, 2)), rtol=1e-6)
    assert calls == [("pre", model, (4, 3)), ("post", model, (4, 2))]
    h1.remove()
    h2.remove()
    x = ff.randn(4, 3)
    np.testing.assert_array_equal(model(x).detach().numpy(), model.forward(x).detach().numpy())
    assert len(calls) == 2


def test_hooks_with_kwargs_prepend_and_context_manager():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    order = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    m.register_forward_hook(
        lambda mod, args, kwargs, out: order.append(kwargs["factor"]), with_kwargs=True
    )
    m.register_forward_hook(lambda mod, args, out: order.append("first"), prepend=True)
    assert m(ff.ones(2)).tolist() == [3.0, 3.0]
    assert order == ["first", 3.0]
    with m.register_forward_hook(lambda mod, args, out: out * 0):
        assert m(ff.ones(1)).tolist() == [0.0]
    assert m(ff.ones(1)).tolist() == [3.0]


def test_full_backward_hook_matches_torch_for_linear():
    torch.manual_seed(0)
    t_lin = torch.nn.Linear(4, 3)
    f_lin = ff.nn.Linear(4, 3)
    f_lin.load_state_dict({k: v.numpy() for k, v in t_lin.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    upstream = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    seen = {}
    for name, lib, lin in (("ff", ff, f_lin), ("torch", torch, t_lin)):

        def hook(module, grad_input, grad_output, name=name):
            seen[name] = (module, grad_input, grad_output)

        lin.register_full_backward_hook(hook)
        xi = lib.tensor(x, requires_grad=True)
        (lin(xi) * lib.tensor(upstream)).sum().backward()
    (f_mod, f_gi, f_go), (t_mod, t_gi, t_go) = seen["ff"], seen["torch"]
    assert t_mod is t_lin
    assert f_mod is f_lin and len(f_gi) == len(t_gi) == 1 and len(f_go) == len(t_go) == 1
    np.testing.assert_allclose(f_gi[0].numpy(), t_gi[0].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(f_go[0].numpy(), t_go[0].numpy(), rtol=1e-6)


def test_full_backward_hook_can_replace_grad_input_and_pre_hook_grad_output():
    lin = ff.nn.Linear(3, 3)
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,))
    x = ff.randn(2, 3, requires_grad=True)
    lin(x).sum().backward()
    expected = 2 * np.ones((2, 3), np.float32) @ lin.weight.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5)

    lin2 = ff.nn.Linear(3, 3)
    lin2.register_full_backward_pre_hook(lambda m, go: (go[0] * 0,))
    y = ff.randn(2, 3, requires_grad=True)
    lin2(y).sum().backward()
    assert not y.grad.numpy().any() and not lin2.weight.grad.numpy().any()


def test_full_backward_hook_without_input_grad_gets_none_like_torch():
    seen = {}
    for lib in (ff, torch):
        lin = lib.nn.Linear(3, 2)
        lin.register_full_backward_hook(
            lambda m, gi, go, lib=lib: seen.setdefault(lib.__name__, (gi, go[0].shape)) and None
        )
        with pytest.warns(UserWarning, match="no inputs require gradients"):
            lin(lib.randn(4, 3)).sum().backward()
    assert seen["feedforward"][0] == seen["torch"][0] == (None,)
    assert tuple(seen["feedforward"][1]) == tuple(seen["torch"][1]) == (4, 2)


def test_backward_hook_handle_remove():
    lin = ff.nn.Linear(2, 2)
    calls = []
    handle = lin.register_full_backward_hook(lambda m, gi, go: calls.append(1))
    lin(ff.randn(1, 2, requires_grad=True)).sum().backward()
    handle.remove()
    lin(ff.randn(1, 2, requires_grad=True)).sum().backward()
    assert calls == [1]


# ---------------------------------------------------------------- Parameter


def test_parameter_repr_leaf_and_shared_storage():
    data = ff.tensor([1.0, 2.0])
    p = nn.Parameter(data)
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert p.is_leaf and p.requires_grad and isinstance(p, ff.Tensor)
    data.numpy()[0] = 5.0
    assert p.detach().numpy()[0] == 5.0
    assert not nn.Parameter(ff.zeros(2), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(ff.tensor([1, 2]))
    assert type(p * 2) is ff.Tensor


# ---------------------------------------------------------------- containers


def _keys(model) -> list[str]:
    return list(model.state_dict())


def test_sequential_list_operations_match_torch():
    results = []
    for lib in (torch, ff):
        n = lib.nn
        torch.manual_seed(0)
        seq = n.Sequential(n.Linear(2, 3), n.Linear(3, 4), n.Linear(4, 5))
        first, last = seq[0], seq[-1]
        assert isinstance(seq[1:], n.Sequential) and seq[1:][0] is seq[1]
        assert len(seq) == 3 and list(seq)[2] is last
        seq.append(n.Linear(5, 6))
        seq.insert(1, n.Flatten())
        seq.extend([n.Identity()])
        del seq[2]
        combined = seq + n.Sequential(n.Linear(6, 1))
        seq[0] = n.Linear(2, 3, bias=False)
        with pytest.raises(IndexError):
            seq[10]
        results.append(
            (
                repr(seq),
                _keys(seq),
                repr(combined),
                _keys(combined),
                seq[-3] is last,
                combined[0] is first,
                repr(seq[::2]),
            )
        )
    assert results[0] == results[1]


def test_sequential_errors_and_multiplication():
    seq = ff.nn.Sequential(ff.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="only objects of Sequential"):
        seq + ff.nn.Linear(2, 2)
    doubled = seq * 2
    assert len(doubled) == 2 and doubled[0] is doubled[1] is seq[0]
    assert seq.pop(0) is not None and len(seq) == 0


def test_module_list_and_module_dict_match_torch():
    results = []
    for lib in (torch, ff):
        n = lib.nn
        ml = n.ModuleList([n.Linear(2, 2), n.Linear(2, 2)])
        ml.append(n.Linear(2, 3))
        ml.extend([n.Flatten()])
        ml.insert(0, n.Identity())
        del ml[1]
        ml += [n.Linear(3, 3)]
        md = n.ModuleDict({"a": n.Linear(1, 1)})
        md["b"] = n.Flatten()
        md.update([("c", n.Identity())])
        popped = md.pop("a")
        results.append(
            (
                repr(ml),
                _keys(ml),
                len(ml),
                repr(ml[1:3]),
                repr(md),
                list(md.keys()),
                "b" in md,
                repr(popped),
                repr(n.ModuleList()),
            )
        )
    assert results[0] == results[1]


def test_parameter_list_and_dict_register_parameters():
    pl = nn.ParameterList([nn.Parameter(ff.zeros(2)), ff.ones(3)])
    assert isinstance(pl[1], nn.Parameter) and len(pl) == 2
    pl.append(ff.zeros(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    with pytest.raises(RuntimeError, match="should not be called"):
        pl(ff.zeros(1))
    pd = nn.ParameterDict({"w": ff.ones(2)})
    pd["b"] = nn.Parameter(ff.zeros(1))
    assert list(pd.keys()) == ["w", "b"] and list(pd.state_dict()) == ["w", "b"]
    assert isinstance(pd["w"], nn.Parameter)


@pytest.mark.parametrize(
    "module, shape",
    [
        (lambda n: n.Flatten(), (2, 3, 4, 5)),
        (lambda n: n.Flatten(0, 2), (2, 3, 4, 5)),
        (lambda n: n.Flatten(-3, -2), (2, 3, 4, 5)),
        (lambda n: n.Unflatten(1, (3, 4)), (2, 12, 5)),
        (lambda n: n.Unflatten(-1, (2, -1)), (2, 3, 10)),
        (lambda n: n.Identity(54, unused="x"), (3, 2)),
    ],
)
def test_shape_modules_match_torch(module, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    f_mod, t_mod = module(ff.nn), module(torch.nn)
    assert repr(f_mod) == repr(t_mod)
    fx, tx = ff.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    f_out, t_out = f_mod(fx), t_mod(tx)
    np.testing.assert_array_equal(f_out.detach().numpy(), t_out.detach().numpy())
    (f_out * 2).sum().backward()
    (t_out * 2).sum().backward()
    np.testing.assert_array_equal(fx.grad.numpy(), tx.grad.numpy())


def test_unflatten_argument_errors_match_torch():
    for bad in (3, (2, "a")):
        with pytest.raises(TypeError) as f_info:
            ff.nn.Unflatten(1, bad)
        with pytest.raises(TypeError) as t_info:
            torch.nn.Unflatten(1, bad)
        assert str(f_info.value) == str(t_info.value)


def test_what_a_full_backward_hook_received_does_not_change_with_later_backwards():
    # the gradient a hook sees must not be the very array that becomes (and keeps accumulating
    # into) the input's .grad
    results = {}
    for lib in (ff, torch):
        layer, seen = lib.nn.Tanh(), []
        layer.register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append(gi[0]))
        x = lib.tensor([[1.0, 2.0]], requires_grad=True)
        for _ in range(3):
            layer(x).sum().backward()
        results[lib.__name__] = np.array([g.detach().numpy() for g in seen + [x.grad]])
    np.testing.assert_allclose(results["feedforward"], results["torch"], rtol=1e-6)


def test_full_backward_hook_with_several_inputs_matches_torch():
    results = {}
    for lib in (ff, torch):

        class Mul(lib.nn.Module):
            def forward(self, x, y, k):
                return x * y * k

        mod, seen = Mul(), []
        mod.register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append((gi, go)))
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0], requires_grad=True)
        mod(x, y, 2.0).sum().backward()
        mod(x, lib.tensor([5.0, 6.0]), 2.0).sum().backward()  # y needs no grad: zeros

        def plain(grads):
            return [None if g is None else g.numpy().tolist() for g in grads]

        results[lib.__name__] = [(plain(gi), plain(go)) for gi, go in seen]
    assert results["feedforward"] == results["torch"]


def test_replacing_an_early_grad_input_of_a_multi_input_module_raises():
    class Add(nn.Module):
        def forward(self, x, y):
            return x + y

    mod = Add()
    mod.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0, gi[1] * 0))
    x, y = ff.ones(2, requires_grad=True), ff.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="already flowed on"):
        mod(x, y).sum().backward()


def test_deepcopy_gives_an_independent_model():
    import copy

    model = buffered_model(ff)
    clone = copy.deepcopy(model)
    assert repr(clone) == repr(model) and list(clone.state_dict()) == list(model.state_dict())
    assert isinstance(clone.block1.fc.weight, nn.Parameter)
    assert clone.block1.fc.weight is not model.block1.fc.weight
    with ff.no_grad():
        clone.block1.fc.weight.fill_(0)
    assert model.block1.fc.weight.detach().numpy().any()
    x = ff.randn(2, 6)
    np.testing.assert_array_equal(
        copy.deepcopy(model)(x).detach().numpy(), model(x).detach().numpy()
    )
