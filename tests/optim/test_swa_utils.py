"""optim.swa_utils against torch 2.13: AveragedModel's SWA and EMA averages over many updates
(every averaging function, with and without the buffers), update_bn's recomputed BatchNorm
statistics, SWALR's lrs, state_dicts and errors."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch

import feedforward as ff

UPDATES = 12


def _model(fw, dtype):
    fw.manual_seed(0)
    model = fw.nn.Sequential(
        fw.nn.Linear(4, 6),
        fw.nn.BatchNorm1d(6),
        fw.nn.ReLU(),
        fw.nn.Linear(6, 2),
    )
    return model.to(getattr(fw, dtype))


def _set_weights(fw, model, rng_seed: int, dtype: str) -> None:
    """Fresh values for every parameter (the same in both frameworks), then a forward pass in
    train mode, which moves BatchNorm's running statistics and counter."""
    rng = np.random.default_rng(rng_seed)
    with fw.no_grad():
        for p in model.parameters():
            p.copy_(fw.tensor(rng.standard_normal(tuple(p.shape)).astype(dtype)))
    model.train()
    model(fw.tensor(rng.standard_normal((8, 4)).astype(dtype)))


# id -> (keyword arguments of AveragedModel, made per framework)
AVERAGING = {
    "swa": lambda su: {},
    "swa-avg-fn": lambda su: {"avg_fn": su.get_swa_avg_fn()},
    "swa-multi": lambda su: {"multi_avg_fn": su.get_swa_multi_avg_fn()},
    "ema-avg-fn": lambda su: {"avg_fn": su.get_ema_avg_fn(0.8)},
    "ema-multi": lambda su: {"multi_avg_fn": su.get_ema_multi_avg_fn(0.7)},
    "ema-multi-default": lambda su: {"multi_avg_fn": su.get_ema_multi_avg_fn()},
    "swa-buffers": lambda su: {"use_buffers": True},
    "ema-avg-fn-buffers": lambda su: {"avg_fn": su.get_ema_avg_fn(0.9), "use_buffers": True},
    "ema-multi-buffers": lambda su: {"multi_avg_fn": su.get_ema_multi_avg_fn(), "use_buffers": 1},
}


def _average(fw, key: str, dtype: str):
    model = _model(fw, dtype)
    averaged = fw.optim.swa_utils.AveragedModel(model, **AVERAGING[key](fw.optim.swa_utils))
    for step in range(UPDATES):
        _set_weights(fw, model, step, dtype)
        averaged.update_parameters(model)
    return averaged, model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("key", list(AVERAGING))
def test_averaged_model_matches_torch(key, dtype):
    (ours, model), (theirs, _) = _average(ff, key, dtype), _average(torch, key, dtype)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)  # n_averaged first, then module.*
    for name, value in tsd.items():
        got = sd[name]
        assert got.dtype.name == str(value.dtype).removeprefix("torch."), name
        if dtype == "float64" or not value.is_floating_point():
            np.testing.assert_allclose(got.numpy(), value.numpy(), rtol=1e-13, atol=0, err_msg=name)
        else:
            np.testing.assert_allclose(got.numpy(), value.numpy(), rtol=2e-6, atol=1e-7)
    assert sd["n_averaged"].item() == UPDATES
    # the averaged model's weights are not the last model's
    assert not np.allclose(sd["module.0.weight"].numpy(), model[0].weight.detach().numpy())

    x = np.random.default_rng(99).standard_normal((5, 4)).astype(dtype)
    ours.eval(), theirs.eval()
    out, tout = ours(ff.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_averaged_model_first_update_copies_and_buffers_follow_the_model():
    model = _model(ff, "float64")
    averaged = ff.optim.swa_utils.AveragedModel(model)
    assert averaged.n_averaged.dtype == ff.int64 and averaged.n_averaged.item() == 0
    _set_weights(ff, model, 0, "float64")
    averaged.update_parameters(model)
    for (name, p), q in zip(averaged.module.state_dict().items(), model.state_dict().values()):
        assert np.array_equal(p.numpy(), q.numpy()), name
        assert p._data is not q._data  # a copy (deepcopy at construction)
    assert averaged.module[0].weight.requires_grad


def test_swa_multi_avg_fn_on_integers_fails_as_torch():
    def run(fw):
        fn = fw.optim.swa_utils.get_swa_multi_avg_fn()
        fn([fw.zeros(3, dtype=fw.int64)], [fw.full((3,), 7)], fw.tensor(2))

    with pytest.raises(Exception) as theirs:
        run(torch)
    with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
        run(ff)


def test_averaging_errors_like_torch():
    for fw in (ff, torch):
        su = fw.optim.swa_utils
        for make in (su.get_ema_avg_fn, su.get_ema_multi_avg_fn):
            with pytest.raises(ValueError, match=re.escape("Invalid decay value 1.5 provided.")):
                make(1.5)
            with pytest.raises(ValueError, match="in \\[0,1\\] range"):
                make(-0.1)
        with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
            su.AveragedModel(
                fw.nn.Linear(2, 2),
                avg_fn=su.get_swa_avg_fn(),
                multi_avg_fn=su.get_ema_multi_avg_fn(),
            )


# ---------------------------------------------------------------------- update_bn


def _bn_model(fw):
    fw.manual_seed(0)
    return fw.nn.Sequential(
        fw.nn.Linear(3, 5),
        fw.nn.BatchNorm1d(5, momentum=0.3),
        fw.nn.ReLU(),
        fw.nn.Unflatten(1, (1, 5)),
        fw.nn.InstanceNorm1d(1, track_running_stats=True),  # not a BatchNorm: left alone
        fw.nn.Flatten(),
        fw.nn.Linear(5, 4),
        fw.nn.BatchNorm1d(4, affine=False),
    ).double()


@pytest.mark.parametrize("batches", ["tensors", "pairs"])
def test_update_bn_matches_torch(batches):
    rng = np.random.default_rng(1)
    data = [rng.standard_normal((n, 3)) for n in (8, 5, 11)]
    torch_init = {k: v.detach().clone() for k, v in _bn_model(torch).state_dict().items()}
    results = []
    for fw in (torch, ff):
        model = _bn_model(fw)  # torch's initial weights in both
        model.load_state_dict({k: fw.tensor(v.numpy()) for k, v in torch_init.items()})
        with fw.no_grad():  # stale statistics, which update_bn must reset
            model[1].running_mean.fill_(5.0)
            model[1].num_batches_tracked.fill_(40)
        model.eval()
        loader = [fw.tensor(x) for x in data]
        if batches == "pairs":
            loader = [(x, fw.zeros(len(x))) for x in loader]
        fw.optim.swa_utils.update_bn(loader, model)
        assert not model.training  # its mode is restored
        assert model[1].momentum == 0.3 and model[7].momentum == 0.1
        results.append({k: v.detach().numpy().copy() for k, v in model.state_dict().items()})
    theirs, ours = results
    assert list(ours) == list(theirs)
    for k in theirs:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-12, atol=1e-14, err_msg=k)
    assert theirs["1.num_batches_tracked"] == 3  # one pass, counted from a reset
    assert not np.allclose(theirs["1.running_var"], 1)


def test_update_bn_without_batchnorm_does_nothing():
    model = ff.nn.Linear(2, 2)
    model.eval()
    ff.optim.swa_utils.update_bn([ff.ones(3, 2)], model)
    assert not model.training


def test_update_bn_on_an_averaged_model_in_train_mode_keeps_it():
    model = ff.optim.swa_utils.AveragedModel(_bn_model(ff))
    ff.optim.swa_utils.update_bn([ff.ones(4, 3, dtype=ff.float64)], model)
    assert model.training and model.module[1].num_batches_tracked.item() == 1


# ---------------------------------------------------------------------- SWALR


def _swalr_lrs(fw, steps: int = 15, **kwargs):
    w = fw.zeros(2, requires_grad=True)
    opt = fw.optim.SGD([{"params": [w]}, {"params": [fw.zeros(1, requires_grad=True)]}], lr=0.5)
    sched = fw.optim.swa_utils.SWALR(opt, **kwargs)
    lrs = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    return lrs, opt, sched


@pytest.mark.parametrize(
    "kwargs",
    [
        {"swa_lr": 0.05},
        {"swa_lr": 0.05, "anneal_epochs": 0},
        {"swa_lr": [0.1, 0.9], "anneal_epochs": 4, "anneal_strategy": "linear"},
        {"swa_lr": 0.2, "anneal_epochs": 7, "anneal_strategy": "cos"},
    ],
)
def test_swalr_matches_torch(kwargs):
    ours, opt, sched = _swalr_lrs(ff, **kwargs)
    theirs, topt, tsched = _swalr_lrs(torch, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)
    assert [g["swa_lr"] for g in opt.param_groups] == [g["swa_lr"] for g in topt.param_groups]
    assert sched.state_dict() == tsched.state_dict()  # no optimizer, no anneal_func
    assert "anneal_func" not in sched.state_dict()


def test_swalr_state_dict_round_trip_restores_the_anneal_function():
    _, _, linear = _swalr_lrs(ff, swa_lr=0.1, anneal_strategy="linear")
    _, _, fresh = _swalr_lrs(ff, steps=0, swa_lr=0.3)
    fresh.load_state_dict(linear.state_dict())
    assert fresh.anneal_func is ff.optim.swa_utils.SWALR._linear_anneal
    assert fresh.get_last_lr() == linear.get_last_lr()


def test_swalr_warns_when_get_lr_is_called_outside_step():
    _, _, sched = _swalr_lrs(ff, steps=1, swa_lr=0.1)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"swa_lr": 0.1, "anneal_strategy": "exp"},
        {"swa_lr": 0.1, "anneal_epochs": -1},
        {"swa_lr": 0.1, "anneal_epochs": 2.5},
        {"swa_lr": [0.1, 0.2, 0.3]},
    ],
)
def test_swalr_errors_like_torch(kwargs):
    def make(fw):
        opt = fw.optim.SGD([fw.zeros(2, requires_grad=True)], lr=0.5)
        fw.optim.swa_utils.SWALR(opt, **kwargs)

    with pytest.raises(Exception) as theirs:
        make(torch)
    with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
        make(ff)
