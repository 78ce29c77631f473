"""LR schedulers against torch 2.13: 300-step lr (and momentum) sequences, with and without a
state_dict round trip at step 150 into a fresh optimizer and scheduler; state_dicts, closed
forms, warnings and errors."""

from __future__ import annotations

import copy
import math
import re
import warnings

import pytest
import torch

import feedforward as ff

STEPS = 300
RESUME_AT = 150


def _optimizer(fw, kind: str = "SGD"):
    a, b = fw.zeros(2, requires_grad=True), fw.zeros(3, requires_grad=True)
    groups = [{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.02}]
    if kind == "SGD":
        return fw.optim.SGD(groups, lr=0.1, momentum=0.9)
    return getattr(fw.optim, kind)(groups, lr=0.1)


def _swalr(fw, opt, **kwargs):
    return fw.optim.swa_utils.SWALR(opt, **kwargs)


def _cosine_then_swalr(fw, opt):
    """SWA's recipe: a schedule, then SWALR from epoch 50 on."""
    s = fw.optim.lr_scheduler
    scheds = [s.CosineAnnealingLR(opt, T_max=100), _swalr(fw, opt, swa_lr=0.01, anneal_epochs=20)]
    return s.SequentialLR(opt, scheds, milestones=[50])


class Warmup:
    """A callable object: LambdaLR saves its __dict__ (a lambda is not saved)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, epoch: int) -> float:
        return min(1.0, (epoch + 1) / self.n) * 0.99**epoch


def _seq(fw, opt):
    s = fw.optim.lr_scheduler
    return s.SequentialLR(
        opt,
        [s.LinearLR(opt, start_factor=0.1, total_iters=10), s.CosineAnnealingLR(opt, T_max=90)],
        milestones=[10],
    )


def _seq3(fw, opt):
    s = fw.optim.lr_scheduler
    scheds = [
        s.ConstantLR(opt, factor=0.5, total_iters=5),
        s.ExponentialLR(opt, gamma=0.98),
        s.StepLR(opt, step_size=25, gamma=0.5),
    ]
    return s.SequentialLR(opt, scheds, milestones=[20, 100])


def _chain(fw, opt):
    s = fw.optim.lr_scheduler
    return s.ChainedScheduler(
        [
            s.ConstantLR(opt, factor=0.1, total_iters=10),
            s.ExponentialLR(opt, gamma=0.99),
            s.CosineAnnealingLR(opt, T_max=60, eta_min=0.001),
        ]
    )


# id -> (factory(fw, optimizer) -> scheduler, optimizer kind)
SCHEDULERS = {
    "lambda": (lambda fw, o: fw.optim.lr_scheduler.LambdaLR(o, lambda e: 0.97**e), "SGD"),
    "lambda-list": (
        lambda fw, o: fw.optim.lr_scheduler.LambdaLR(o, [lambda e: 1 / (1 + e), Warmup(20)]),
        "SGD",
    ),
    "multiplicative": (
        lambda fw, o: fw.optim.lr_scheduler.MultiplicativeLR(o, lambda e: 0.99 if e < 100 else 1.0),
        "SGD",
    ),
    "step": (lambda fw, o: fw.optim.lr_scheduler.StepLR(o, step_size=30, gamma=0.5), "SGD"),
    "step-7": (lambda fw, o: fw.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.9), "SGD"),
    "multistep": (
        lambda fw, o: fw.optim.lr_scheduler.MultiStepLR(o, [30, 80, 80, 200], gamma=0.5),
        "SGD",
    ),
    "exponential": (lambda fw, o: fw.optim.lr_scheduler.ExponentialLR(o, gamma=0.99), "SGD"),
    "cosine": (
        lambda fw, o: fw.optim.lr_scheduler.CosineAnnealingLR(o, T_max=50, eta_min=0.001),
        "SGD",
    ),
    "cosine-long": (lambda fw, o: fw.optim.lr_scheduler.CosineAnnealingLR(o, T_max=300), "SGD"),
    "linear": (lambda fw, o: fw.optim.lr_scheduler.LinearLR(o), "SGD"),
    "linear-100": (
        lambda fw, o: fw.optim.lr_scheduler.LinearLR(o, 0.25, 0.75, total_iters=100),
        "SGD",
    ),
    "constant": (lambda fw, o: fw.optim.lr_scheduler.ConstantLR(o), "SGD"),
    "constant-40": (
        lambda fw, o: fw.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=40),
        "SGD",
    ),
    "polynomial": (lambda fw, o: fw.optim.lr_scheduler.PolynomialLR(o), "SGD"),
    "polynomial-2": (
        lambda fw, o: fw.optim.lr_scheduler.PolynomialLR(o, total_iters=200, power=2.0),
        "SGD",
    ),
    "warm-restarts": (
        lambda fw, o: fw.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=13),
        "SGD",
    ),
    "warm-restarts-mult": (
        lambda fw, o: fw.optim.lr_scheduler.CosineAnnealingWarmRestarts(
            o, T_0=20, T_mult=2, eta_min=1e-4
        ),
        "SGD",
    ),
    "onecycle-sgd": (
        lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(o, max_lr=[1.0, 0.1], total_steps=300),
        "SGD",
    ),
    "onecycle-adam": (
        lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=310),
        "Adam",
    ),
    "onecycle-3phase-linear": (
        lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(
            o,
            max_lr=0.3,
            epochs=10,
            steps_per_epoch=30,
            pct_start=0.25,
            anneal_strategy="linear",
            three_phase=True,
            base_momentum=0.8,
            max_momentum=0.9,
            div_factor=10.0,
            final_div_factor=100.0,
        ),
        "SGD",
    ),
    "onecycle-no-momentum": (
        lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(
            o, max_lr=0.3, total_steps=300, cycle_momentum=False
        ),
        "Adam",
    ),
    "cyclic": (
        lambda fw, o: fw.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=20),
        "SGD",
    ),
    "cyclic-triangular2": (
        lambda fw, o: fw.optim.lr_scheduler.CyclicLR(
            o,
            [0.01, 0.001],
            [0.1, 0.05],
            step_size_up=15,
            step_size_down=10,
            mode="triangular2",
        ),
        "SGD",
    ),
    "cyclic-exp-range-adam": (
        lambda fw, o: fw.optim.lr_scheduler.CyclicLR(
            o,
            0.001,
            0.01,
            step_size_up=25,
            mode="exp_range",
            gamma=0.99,
            base_momentum=0.85,
            max_momentum=0.95,
        ),
        "Adam",
    ),
    "cyclic-no-momentum": (
        lambda fw, o: fw.optim.lr_scheduler.CyclicLR(
            o,
            0.01,
            0.1,
            step_size_up=10,
            cycle_momentum=False,
            scale_fn=lambda x: 0.5 ** (x - 1),
            scale_mode="cycle",
        ),
        "SGD",
    ),
    # swa_utils.SWALR, and schedulers on the other optimizers (RAdam and NAdam have betas)
    "swalr": (lambda fw, o: _swalr(fw, o, swa_lr=0.05), "SGD"),
    "swalr-linear-list": (
        lambda fw, o: _swalr(
            fw, o, swa_lr=[0.5, 0.001], anneal_epochs=30, anneal_strategy="linear"
        ),
        "Adam",
    ),
    "swalr-1-epoch": (lambda fw, o: _swalr(fw, o, swa_lr=0.01, anneal_epochs=1), "ASGD"),
    "swalr-after-cosine": (_cosine_then_swalr, "Rprop"),
    "step-radam": (lambda fw, o: fw.optim.lr_scheduler.StepLR(o, step_size=9, gamma=0.8), "RAdam"),
    "onecycle-radam": (
        lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=310),
        "RAdam",
    ),
    "cyclic-nadam": (
        lambda fw, o: fw.optim.lr_scheduler.CyclicLR(o, 0.001, 0.01, step_size_up=25),
        "NAdam",
    ),
    "cosine-adadelta": (
        lambda fw, o: fw.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40),
        "Adadelta",
    ),
    "linear-rprop": (lambda fw, o: fw.optim.lr_scheduler.LinearLR(o), "Rprop"),
    "sequential": (_seq, "SGD"),
    "sequential-3": (_seq3, "SGD"),
    "chained": (_chain, "SGD"),
}


def _momenta(opt) -> list:
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _run(fw, key: str, resume: bool = False) -> list:
    """The (get_last_lr, group lrs, momenta) after construction and after each of STEPS steps."""
    make, kind = SCHEDULERS[key]
    opt = _optimizer(fw, kind)
    sched = make(fw, opt)
    record = [(sched.get_last_lr(), [g["lr"] for g in opt.param_groups], _momenta(opt))]
    for t in range(STEPS):
        if resume and t == RESUME_AT:
            opt_state = copy.deepcopy(opt.state_dict())
            sched_state = copy.deepcopy(sched.state_dict())
            opt = _optimizer(fw, kind)
            sched = make(fw, opt)  # the scheduler first: constructing it rewrites the lrs
            sched.load_state_dict(sched_state)
            opt.load_state_dict(opt_state)
        opt.step()
        sched.step()
        record.append((sched.get_last_lr(), [g["lr"] for g in opt.param_groups], _momenta(opt)))
    return record


def _assert_same(ours: list, theirs: list) -> None:
    assert len(ours) == len(theirs)
    for t, (a, b) in enumerate(zip(ours, theirs)):
        for x, y in zip(a, b):  # last lr, group lrs, momenta
            assert len(x) == len(y)
            for u, v in zip(x, y):
                if v is None:  # no momentum (ASGD, Rprop, Adadelta)
                    assert u is None
                    continue
                assert abs(u - v) <= 1e-12 * max(1.0, abs(v)), (t, a, b)


@pytest.mark.parametrize("key", list(SCHEDULERS))
def test_sequence_matches_torch(key):
    theirs = _run(torch, key)
    _assert_same(_run(ff, key), theirs)
    _assert_same(_run(ff, key, resume=True), _run(torch, key, resume=True))
    assert len({lr[0][0] for lr in theirs}) > 1  # the schedule really moves


@pytest.mark.parametrize("key", list(SCHEDULERS))
def test_state_dict_matches_torch(key):
    make, kind = SCHEDULERS[key]
    ours_opt, theirs_opt = _optimizer(ff, kind), _optimizer(torch, kind)
    ours, theirs = make(ff, ours_opt), make(torch, theirs_opt)
    for _ in range(7):
        ours_opt.step(), theirs_opt.step()
        ours.step(), theirs.step()

    def plain(sd):  # drop callables: lambdas are never saved, and custom scale_fns differ
        return {k: v for k, v in sd.items() if not callable(v)}

    assert plain(ours.state_dict()) == plain(theirs.state_dict())
    ours_groups = [{k: v for k, v in g.items() if k != "params"} for g in ours_opt.param_groups]
    theirs_groups = [{k: v for k, v in g.items() if k != "params"} for g in theirs_opt.param_groups]
    assert ours_groups == theirs_groups  # initial_lr, max_lr, momenta, ...


def test_construction_sets_initial_lr_and_takes_the_first_step():
    opt = _optimizer(ff)
    sched = ff.optim.lr_scheduler.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == sched.base_lrs == [0.1, 0.02]
    assert sched.last_epoch == 0 and sched._step_count == 1
    assert sched.get_last_lr() == [0.1, 0.02]
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        ff.optim.lr_scheduler.StepLR(_optimizer(ff), step_size=2, last_epoch=3)


def test_lambda_state_saves_callable_objects_not_lambdas():
    def build(fw, n):
        opt = _optimizer(fw)
        return fw.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0, Warmup(n)])

    ours, theirs = build(ff, 20), build(torch, 20)
    assert ours.state_dict()["lr_lambdas"] == theirs.state_dict()["lr_lambdas"] == [None, {"n": 20}]
    fresh = build(ff, 5)
    fresh.load_state_dict(ours.state_dict())
    assert fresh.lr_lambdas[1].n == 20


# ---------------------------------------------------------------------- ReduceLROnPlateau


def _metrics(n: int = 150) -> list[float]:
    """Improving, then noisy plateaus at two levels: a scripted validation loss."""
    out = []
    for t in range(n):
        level = 1.0 / (1 + 0.1 * t) if t < 50 else (0.2 if t < 100 else 0.15)
        out.append(level + 0.01 * ((t * 37) % 11) / 11)
    return out


PLATEAU = {
    "default": ({}, 1),
    "patience-3": ({"patience": 3, "factor": 0.5}, 1),
    "max-abs-cooldown": (
        {
            "mode": "max",
            "threshold_mode": "abs",
            "threshold": 0.005,
            "patience": 2,
            "cooldown": 4,
            "factor": 0.7,
        },
        -1,
    ),
    "min-lrs": ({"patience": 1, "factor": 0.3, "min_lr": [0.01, 0.001]}, 1),
    "max-rel-eps": ({"mode": "max", "patience": 0, "factor": 0.9, "eps": 1e-3}, -1),
}


def _run_plateau(fw, key: str, resume: bool) -> list:
    kwargs, sign = PLATEAU[key]
    opt = _optimizer(fw)
    sched = fw.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    record = []
    for t, m in enumerate(_metrics()):
        if resume and t == 75:
            opt_state, sched_state = copy.deepcopy(opt.state_dict()), sched.state_dict()
            opt = _optimizer(fw)
            sched = fw.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
            sched.load_state_dict(copy.deepcopy(sched_state))
            opt.load_state_dict(opt_state)
        opt.step()
        sched.step(sign * m)
        record.append((sched.get_last_lr(), [sched.num_bad_epochs, sched.cooldown_counter], [0]))
    return record


@pytest.mark.parametrize("key", list(PLATEAU))
@pytest.mark.parametrize("resume", [False, True])
def test_reduce_on_plateau_matches_torch(key, resume):
    theirs = _run_plateau(torch, key, resume)
    _assert_same(_run_plateau(ff, key, resume), theirs)
    assert theirs[-1][0] != theirs[0][0]  # it did reduce


def test_reduce_on_plateau_state_dict_and_tensor_metric():
    ours = ff.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(ff), patience=2)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(torch), patience=2)
    for m in [1.0, 0.5, 0.6, 0.7, 0.8]:
        ours.step(ff.tensor(m))
        theirs.step(torch.tensor(m))
    assert ours.state_dict() == theirs.state_dict()


# ---------------------------------------------------------------------- closed forms, warnings


@pytest.mark.parametrize(
    "key",
    [
        "step",
        "multistep",
        "exponential",
        "cosine",
        "linear-100",
        "constant-40",
        "polynomial-2",
        "warm-restarts-mult",
    ],
)
def test_step_with_epoch_uses_closed_form_like_torch(key):
    def run(fw):
        make, kind = SCHEDULERS[key]
        opt = _optimizer(fw, kind)
        sched = make(fw, opt)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [5, 3, 30, 31, 80, 81, 47.5, 150, 10]:
                opt.step()
                sched.step(epoch)
                out.append((sched.get_last_lr(), [sched.last_epoch], [0]))
        return out

    _assert_same(run(ff), run(torch))


def _warning_messages(fw, body) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        body(fw)
    return [str(w.message) for w in caught]


@pytest.mark.parametrize(
    "body",
    [
        lambda fw: fw.optim.lr_scheduler.StepLR(_optimizer(fw), 3).step(),  # before opt.step()
        lambda fw: fw.optim.lr_scheduler.StepLR(_optimizer(fw), 3).get_lr(),
        lambda fw: fw.optim.lr_scheduler.ExponentialLR(_optimizer(fw), 0.9).step(4),
    ],
    ids=["scheduler-first", "get_lr", "epoch"],
)
def test_warnings_match_torch(body):
    theirs = _warning_messages(torch, body)
    assert theirs and _warning_messages(ff, body) == theirs


def test_one_cycle_too_many_steps():
    def run(fw):
        opt = _optimizer(fw)
        sched = fw.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
        for _ in range(11):
            opt.step()
            sched.step()

    _errors_match(lambda: run(ff), lambda: run(torch))


def _errors_match(make_ours, make_theirs) -> None:
    with pytest.raises(Exception) as theirs:
        make_theirs()
    with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
        make_ours()


BAD = {
    "lambda-count": lambda fw, o: fw.optim.lr_scheduler.LambdaLR(o, [lambda e: 1.0]),
    "multiplicative-type": lambda fw, o: fw.optim.lr_scheduler.MultiplicativeLR(o, [1.0, 2.0]),
    "constant-factor": lambda fw, o: fw.optim.lr_scheduler.ConstantLR(o, factor=1.5),
    "linear-start": lambda fw, o: fw.optim.lr_scheduler.LinearLR(o, start_factor=0),
    "linear-end": lambda fw, o: fw.optim.lr_scheduler.LinearLR(o, end_factor=2),
    "restarts-T0": lambda fw, o: fw.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
    "restarts-Tmult": lambda fw, o: fw.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=2, T_mult=1.5
    ),
    "onecycle-steps": lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(o, 0.1),
    "onecycle-total": lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=-1),
    "onecycle-epochs": lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(
        o, 0.1, epochs=0, steps_per_epoch=3
    ),
    "onecycle-pct": lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(
        o, 0.1, total_steps=10, pct_start=1.5
    ),
    "onecycle-anneal": lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(
        o, 0.1, total_steps=10, anneal_strategy="exp"
    ),
    "onecycle-max-lr-count": lambda fw, o: fw.optim.lr_scheduler.OneCycleLR(
        o, [0.1], total_steps=10
    ),
    "cyclic-mode": lambda fw, o: fw.optim.lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="square"),
    "plateau-factor": lambda fw, o: fw.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0),
    "plateau-mode": lambda fw, o: fw.optim.lr_scheduler.ReduceLROnPlateau(o, mode="low"),
    "plateau-threshold": lambda fw, o: fw.optim.lr_scheduler.ReduceLROnPlateau(
        o, threshold_mode="pct"
    ),
    "plateau-min-lrs": lambda fw, o: fw.optim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]),
    "sequential-milestones": lambda fw, o: fw.optim.lr_scheduler.SequentialLR(
        o, [fw.optim.lr_scheduler.StepLR(o, 2)], milestones=[3]
    ),
    "sequential-empty": lambda fw, o: fw.optim.lr_scheduler.SequentialLR(o, [], milestones=[]),
    "sequential-plateau": lambda fw, o: fw.optim.lr_scheduler.SequentialLR(
        o, [fw.optim.lr_scheduler.ReduceLROnPlateau(o)], milestones=[]
    ),
    "chained-empty": lambda fw, o: fw.optim.lr_scheduler.ChainedScheduler([]),
    "not-an-optimizer": lambda fw, o: fw.optim.lr_scheduler.StepLR("sgd", 3),
}


@pytest.mark.parametrize("key", list(BAD))
def test_errors_match_torch(key):
    _errors_match(lambda: BAD[key](ff, _optimizer(ff)), lambda: BAD[key](torch, _optimizer(torch)))


def test_cycle_momentum_needs_momentum():
    def build(fw):
        opt = fw.optim.Adagrad([fw.zeros(2, requires_grad=True)])
        return fw.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=10)

    _errors_match(lambda: build(ff), lambda: build(torch))


def test_tensor_lr_is_filled_in_place():
    lr = ff.tensor(0.1)
    opt = ff.optim.SGD([ff.zeros(2, requires_grad=True)], lr=lr)
    sched = ff.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr
    assert math.isclose(lr.item(), 0.05, rel_tol=1e-6)
    assert sched.get_last_lr()[0] is not lr  # a copy, never the optimizer's tensor


def test_legacy_name():
    assert issubclass(ff.optim.lr_scheduler._LRScheduler, ff.optim.lr_scheduler.LRScheduler)
    assert ff.optim.lr_scheduler._LRScheduler.__name__ == "_LRScheduler"
