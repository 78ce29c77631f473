"""Callback order, Cancel*Exception semantics, and each built-in callback."""

import csv
import io
import json
import math

import numpy as np
import pytest
import torch
from train_helpers import Log, make_learner, weights

import feedforward as ff
from feedforward import nn
from feedforward.train import (
    Callback,
    CancelBackwardException,
    CancelBatchException,
    CancelEpochException,
    CancelFitException,
    CancelStepException,
    CancelTrainException,
    CancelValidException,
    History,
    Learner,
)
from feedforward.train.callback import HOOKS
from feedforward.train.callbacks import (
    CSVLogger,
    EarlyStopping,
    GradientClipping,
    LRSchedulerCallback,
    ModelCheckpoint,
    OneCycle,
    ProgressCallback,
    TerminateOnNaN,
)

sched = ff.optim.lr_scheduler
TRAIN_BATCH = [
    "before_batch",
    "after_pred",
    "after_loss",
    "before_backward",
    "after_backward",
    "before_step",
    "after_step",
    "after_batch",
]
VALID_BATCH = ["before_batch", "after_pred", "after_loss", "after_batch"]


def small(callbacks=(), **kwargs):
    """Two training batches and one validation batch per epoch."""
    return make_learner(callbacks, n=96, train=64, **kwargs)


def hooks_of(log):
    return [hook for _, hook in log.events]


class Raise(Callback):
    """Raise ``exc`` from ``hook`` when ``when(learn)`` holds."""

    def __init__(self, hook, exc, when=lambda learn: True, order=0):
        self.order = order
        setattr(self, hook, lambda learn: self._maybe(learn, exc, when))

    @staticmethod
    def _maybe(learn, exc, when):
        if when(learn):
            raise exc


# ---------------------------------------------------------------------------- the loop's hooks


def test_every_hook_in_order():
    log = Log(HOOKS)
    small([log]).fit(1)
    expected = (
        ["before_fit", "before_epoch", "before_train"]
        + TRAIN_BATCH * 2
        + ["after_train", "before_validate"]
        + VALID_BATCH
        + ["after_validate", "after_epoch", "after_fit", "cleanup_fit"]
    )
    assert hooks_of(log) == expected


def test_callbacks_run_by_order_ties_in_given_order():
    events = []
    cbs = [
        Log(["before_fit", "after_epoch"], order=o, name=n, out=events)
        for o, n in ((5, "five"), (-1, "minus"), (3, "three-a"), (3, "three-b"), (-20, "first"))
    ]

    class Sees(Callback):
        order = -5  # after the Recorder (-10): this epoch's record is there

        def after_epoch(self, learn):
            events.append(("sees", len(learn.history)))

    learn = small(cbs + [Sees()])
    learn.fit(1)
    names = [n for n, hook in events if hook == "before_fit"]
    assert names == ["first", "minus", "three-a", "three-b", "five"]
    assert ("sees", 1) in events


def test_cancel_batch_skips_the_rest_of_the_batch():
    log = Log(HOOKS)
    first_batch = lambda learn: learn.training and learn.iter == 0  # noqa: E731
    learn = small([Raise("after_loss", CancelBatchException, first_batch, order=1), log])
    learn.fit(1)
    seq = hooks_of(log)
    first = seq[seq.index("before_batch") : seq.index("after_batch") + 1]
    assert first == [
        "before_batch",
        "after_pred",
        "after_loss",
        "after_cancel_batch",
        "after_batch",
    ]
    assert learn.step == 1  # only the second batch stepped
    assert "after_validate" in seq


def test_cancelling_every_batch_leaves_the_weights_alone():
    learn = small([Raise("before_backward", CancelBatchException)])
    before = weights(learn.model)
    learn.fit(2)
    assert learn.step == 0
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(learn.model)))


def test_cancel_epoch_ends_the_epoch_and_after_epoch_runs():
    log = Log(HOOKS)
    cancel = Raise("after_batch", CancelEpochException, lambda learn: learn.training)
    learn = small([cancel, log])
    history = learn.fit(2)
    seq = hooks_of(log)
    assert seq.count("before_epoch") == 2 and seq.count("after_epoch") == 2
    assert seq.count("after_cancel_epoch") == 2
    assert "before_validate" not in seq and "after_train" not in seq
    assert learn.step == 2  # one batch per epoch
    assert [r["epoch"] for r in history] == [1, 2] and "train_loss" not in history[0]


def test_cancel_train_goes_on_to_validation():
    log = Log(HOOKS)
    learn = small([Raise("after_batch", CancelTrainException, lambda learn: learn.training), log])
    history = learn.fit(1)
    seq = hooks_of(log)
    assert seq.index("after_cancel_train") < seq.index("after_train") < seq.index("before_validate")
    assert learn.step == 1 and "valid_loss" in history[0] and "train_loss" in history[0]


def test_cancel_valid_skips_validation():
    log = Log(HOOKS)
    learn = small([Raise("before_validate", CancelValidException), log])
    history = learn.fit(2)
    seq = hooks_of(log)
    assert seq.count("after_cancel_validate") == 2 and seq.count("after_validate") == 2
    assert seq.count("after_pred") == 4  # training batches only
    assert "valid_loss" not in history[0] and "train_loss" in history[0]


def test_cancel_fit_ends_fit_after_fit_still_runs():
    log = Log(HOOKS)
    stop = Raise("after_batch", CancelFitException, lambda learn: learn.epoch == 1)
    learn = small([stop, log])
    history = learn.fit(5)
    seq = hooks_of(log)
    assert seq[-3:] == ["after_cancel_fit", "after_fit", "cleanup_fit"]
    assert seq.count("after_epoch") == 1  # epoch 2 was cut short inside
    assert len(history) == 1 and learn.step == 3


def test_cancel_step_and_backward():
    learn = small([Raise("before_step", CancelStepException)])
    before = weights(learn.model)
    learn.fit(1)
    assert learn.step == 0
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(learn.model)))
    assert all(p.grad is None for p in learn.model.parameters())  # zero_grad still ran

    grads = []
    probe = Log([])
    probe.before_step = lambda learn: grads.append([p.grad for p in learn.model.parameters()])
    learn = small([Raise("before_backward", CancelBackwardException), probe])
    learn.fit(1)
    assert grads and all(g is None for gs in grads for g in gs)


def test_other_errors_propagate_and_cleanup_runs():
    log = Log(["after_fit", "cleanup_fit"])
    learn = small([Raise("after_batch", KeyError("boom")), log, TerminateOnNaN()])
    with pytest.raises(KeyError, match="boom"):
        learn.fit(1)
    assert hooks_of(log) == ["cleanup_fit"]
    assert all(not m._forward_hooks for m in learn.model.modules())  # TerminateOnNaN cleaned up


# ---------------------------------------------------------------------------- EarlyStopping


class Script(Callback):
    """Writes ``values[epoch]`` into this epoch's record as ``column``; snapshots the weights."""

    order = 45  # after the Recorder (-10), before schedulers (50) and EarlyStopping (60)

    def __init__(self, values, column="score"):
        self.values, self.column, self.snaps = values, column, []

    def after_epoch(self, learn):
        learn.history[-1][self.column] = self.values[learn.epoch]
        self.snaps.append(weights(learn.model))


def test_early_stopping_stops_at_the_right_epoch_and_restores_the_best():
    script = Script([5.0, 4.0, 3.0, 3.5, 3.2, 1.0, 0.5, 0.1])
    stop = EarlyStopping(monitor="score", patience=2, mode="min")
    learn = small([script, stop], lr=1e-2)
    history = learn.fit(8)
    assert len(history) == 5  # best at 3; epochs 4 and 5 don't improve
    assert stop.best == 3.0 and stop.best_epoch == 3
    assert "score did not improve" in learn.stop_reason and "epoch 3" in learn.stop_reason
    assert history.stop_reason == learn.stop_reason
    final = weights(learn.model)
    assert all(np.array_equal(a, b) for a, b in zip(final, script.snaps[2]))
    assert not all(np.array_equal(a, b) for a, b in zip(final, script.snaps[4]))


def test_early_stopping_min_delta_mode_and_no_restore():
    script = Script([0.50, 0.52, 0.53, 0.60, 0.61, 0.9], column="valid_accuracy")
    stop = EarlyStopping(
        monitor="valid_accuracy", patience=2, min_delta=0.05, restore_best_weights=False
    )
    assert stop.mode == "max"
    learn = small([script, stop])
    history = learn.fit(6)
    # 0.52 and 0.53 beat 0.50 by less than 0.05: the patience runs out after epoch 3
    assert len(history) == 3 and stop.best == 0.50
    assert all(np.array_equal(a, b) for a, b in zip(weights(learn.model), script.snaps[-1]))


def test_early_stopping_without_running_out_of_patience():
    script = Script([3.0, 1.0, 2.0, 2.5])
    learn = small([script, EarlyStopping(monitor="score", patience=5, mode="min")])
    assert len(learn.fit(4)) == 4 and learn.stop_reason is None
    # the best epoch (2) was not the last: its weights are restored at the end
    assert all(np.array_equal(a, b) for a, b in zip(weights(learn.model), script.snaps[1]))


def test_early_stopping_needs_its_column():
    learn = make_learner([EarlyStopping(monitor="valid_f1")])
    with pytest.raises(KeyError, match="no 'valid_f1'"):
        learn.fit(1)
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="lowest")


# ---------------------------------------------------------------------------- ModelCheckpoint


def test_model_checkpoint_best_and_last(tmp_path):
    script = Script([0.9, 0.5, 0.7, 0.6], column="valid_loss")
    path = tmp_path / "run.safetensors"
    learn = small([script, ModelCheckpoint(path)])
    learn.fit(4)
    best, last = ff.load(tmp_path / "run.best.safetensors"), ff.load(path)
    for saved, expected in ((best, script.snaps[1]), (last, script.snaps[3])):
        values = [v.numpy() for v in saved["model"].values()]
        assert all(np.array_equal(a, b) for a, b in zip(values, expected))
    assert best["progress"]["epoch"] == 2 and last["progress"]["epoch"] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.best.safetensors", "run.safetensors"]


def test_model_checkpoint_best_only_writes_path(tmp_path):
    path = tmp_path / "best.safetensors"
    cb = ModelCheckpoint(path, monitor="valid_accuracy", save_last=False)
    assert cb.best_path == str(path) and cb.mode == "max"
    small([cb], metrics=("loss", "accuracy")).fit(2)
    assert [p.name for p in tmp_path.iterdir()] == ["best.safetensors"]


# ---------------------------------------------------------------------------- schedules


class LRs(Callback):
    """The lr (and first momentum) of every optimizer step, and the lr at each epoch start."""

    def __init__(self):
        self.steps, self.momenta, self.epochs = [], [], []

    def before_epoch(self, learn):
        self.epochs.append(learn.opt.param_groups[0]["lr"])

    def before_step(self, learn):
        group = learn.opt.param_groups[0]
        self.steps.append(group["lr"])
        self.momenta.append(group["betas"][0] if "betas" in group else group.get("momentum"))


def _torch_lrs(make, epochs, steps_per_epoch, per_batch, opt_cls=torch.optim.Adam, metrics=None):
    opt = opt_cls([torch.zeros(1, requires_grad=True)], lr=1e-3)
    s = make(opt)
    lrs, momenta = [], []
    for e in range(epochs):
        for _ in range(steps_per_epoch):
            lrs.append(opt.param_groups[0]["lr"])
            momenta.append(opt.param_groups[0]["betas"][0] if opt_cls is torch.optim.Adam else None)
            opt.step()
            if per_batch:
                s.step()
        if not per_batch:
            s.step(metrics[e]) if metrics is not None else s.step()
    return lrs, momenta


def test_one_cycle_follows_torch_one_cycle_per_batch():
    rec = LRs()
    learn = small([OneCycle(0.05, pct_start=0.25), rec])
    learn.fit(3)
    expected, momenta = _torch_lrs(
        lambda opt: torch.optim.lr_scheduler.OneCycleLR(opt, 0.05, total_steps=6, pct_start=0.25),
        3,
        2,
        per_batch=True,
    )
    assert rec.steps == pytest.approx(expected, rel=1e-12, abs=0)
    assert rec.momenta == pytest.approx(momenta, rel=1e-12)


def test_epoch_scheduler_and_factory():
    rec = LRs()
    learn = small([rec], opt_func=ff.optim.SGD, lr=0.1)
    learn.add_cb(
        LRSchedulerCallback(sched.StepLR(learn.opt, step_size=2, gamma=0.5), interval="epoch")
    )
    history = learn.fit(5)
    expected, _ = _torch_lrs(
        lambda opt: torch.optim.lr_scheduler.StepLR(opt, 2, 0.5),
        5,
        2,
        per_batch=False,
        opt_cls=torch.optim.SGD,
    )
    assert rec.steps == pytest.approx([lr * 100 for lr in expected], rel=1e-12)  # lr 0.1 vs 1e-3
    assert [r["lr"] for r in history] == rec.epochs  # the lr each epoch ran with

    rec = LRs()
    factory = LRSchedulerCallback(lambda opt: sched.ExponentialLR(opt, gamma=0.5))
    small([factory, rec], lr=0.1).fit(1)
    assert factory.interval == "batch" and rec.steps == pytest.approx([0.1, 0.05])


def test_reduce_lr_on_plateau_gets_the_monitored_metric():
    scores = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9]
    rec = LRs()
    learn = small([Script(scores, column="valid_loss"), rec], opt_func=ff.optim.SGD, lr=0.1)
    cb = LRSchedulerCallback(sched.ReduceLROnPlateau(learn.opt, patience=1, factor=0.5))
    learn.add_cb(cb)
    learn.fit(6)
    assert cb.interval == "epoch"
    expected, _ = _torch_lrs(
        lambda opt: torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5),
        6,
        2,
        per_batch=False,
        opt_cls=torch.optim.SGD,
        metrics=scores,
    )
    assert rec.steps == pytest.approx([lr * 100 for lr in expected], rel=1e-12)
    assert min(rec.steps) < 0.1


def test_scheduler_misuse_is_reported():
    learn = small()
    cb = LRSchedulerCallback(sched.ReduceLROnPlateau(learn.opt), interval="batch")
    with pytest.raises(ValueError, match="interval='epoch'"):
        small([cb]).fit(1)
    other = ff.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="not over learn.opt"):
        small([LRSchedulerCallback(sched.StepLR(other, 1))]).fit(1)
    with pytest.raises(ValueError, match="interval must be"):
        LRSchedulerCallback(sched.StepLR(other, 1), interval="step")


# ---------------------------------------------------------------------------- GradientClipping


def test_gradient_clipping_bounds_the_norm():
    norms = []
    probe = Log([], order=10)
    probe.before_step = lambda learn: norms.append(
        math.sqrt(
            sum(
                float((p.grad._data.astype(np.float64) ** 2).sum())
                for p in learn.model.parameters()
            )
        )
    )
    clip = GradientClipping(max_norm=0.01)
    small([clip, probe]).fit(1)
    assert len(norms) == 2 and all(n <= 0.01 * (1 + 1e-5) for n in norms)
    assert clip.last_norm.item() > 0.01  # it did have something to clip
    with pytest.raises(ValueError, match="max_norm"):
        GradientClipping(0)


# ---------------------------------------------------------------------------- TerminateOnNaN


class Poison(nn.Module):
    """Multiplies by NaN once armed."""

    def __init__(self):
        super().__init__()
        self.armed = False

    def forward(self, x):
        return x * float("nan") if self.armed else x


def test_terminate_on_nan_names_the_first_bad_module():
    ff.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), Poison(), nn.Linear(8, 3))
    x = np.random.default_rng(0).normal(size=(64, 6)).astype(np.float32)
    y = np.zeros(64, dtype=np.int64)

    class Arm(Callback):
        def before_batch(self, learn):
            model[2].armed = learn.epoch == 1 and learn.iter == 2

    learn = Learner(model, (x, y), callbacks=[Arm(), TerminateOnNaN()], batch_size=16, quiet=True)
    history = learn.fit(3)
    assert len(history) == 1 and learn.step == 4 + 2
    assert learn.stop_reason == (
        "TerminateOnNaN: non-finite output (nan) from module '2' (Poison) at epoch 2, batch 3"
    )
    assert history.stop_reason == learn.stop_reason
    assert all(np.isfinite(w).all() for w in weights(model))  # stopped before the step
    assert all(not m._forward_hooks for m in model.modules())


def test_terminate_on_nan_loss_only():
    calls = []

    def loss_fn(preds, targets):
        calls.append(1)
        loss = nn.functional.cross_entropy(preds, targets)
        return loss * float("inf") if len(calls) == 3 else loss

    learn = make_learner([TerminateOnNaN()], loss_fn=loss_fn)
    learn.fit(2)
    assert learn.stop_reason.startswith(
        "TerminateOnNaN: non-finite loss (inf) with every module output finite at epoch 1, batch 3"
    )
    assert learn.step == 2

    learn = make_learner([TerminateOnNaN()])
    assert len(learn.fit(2)) == 2 and learn.stop_reason is None


# ---------------------------------------------------------------------------- logging


def _strict_json(path):
    def no_constants(token):
        raise ValueError(token)

    with open(path) as f:
        return json.load(f, parse_constant=no_constants)


def test_csv_logger_and_history_files(tmp_path):
    csv_path, json_path = tmp_path / "history.csv", tmp_path / "history.json"
    learn = small([CSVLogger(csv_path, json_path=json_path)], metrics=("loss", "accuracy"))
    history = learn.fit(3)
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 and list(rows[0]) == history.columns
    for row, record in zip(rows, history):
        assert {k: float(v) for k, v in row.items()} == pytest.approx(record, rel=1e-15)
    doc = _strict_json(json_path)
    assert doc == {"epochs": list(history), "stop_reason": None}
    assert History.from_json(json_path) == history


def test_history_json_has_no_nan_and_best():
    h = History(
        [
            {"epoch": 1, "valid_loss": 0.5, "valid_accuracy": 0.7},
            {"epoch": 2, "valid_loss": float("nan"), "valid_accuracy": 0.9},
            {"epoch": 3, "valid_loss": 0.4, "valid_accuracy": 0.8},
        ],
        stop_reason="why",
    )
    assert h.best("valid_loss")["epoch"] == 3
    assert h.best("valid_accuracy")["epoch"] == 2
    assert h.best("valid_accuracy", mode="min")["epoch"] == 1
    assert h["valid_accuracy"] == [0.7, 0.9, 0.8]
    with pytest.raises(KeyError, match="no column 'train_loss'"):
        h["train_loss"]


def test_history_to_json_writes_null_for_nan(tmp_path):
    h = History([{"epoch": 1, "train_loss": float("nan")}], stop_reason="why")
    h.to_json(tmp_path / "h.json")
    assert _strict_json(tmp_path / "h.json") == {
        "epochs": [{"epoch": 1, "train_loss": None}],
        "stop_reason": "why",
    }


def test_progress_lines_and_quiet():
    out = io.StringIO()
    learn = small([ProgressCallback(bar=False, file=out)], quiet=False)
    assert sum(isinstance(cb, ProgressCallback) for cb in learn.cbs) == 1
    learn.fit(2)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2  train_loss ")
    assert "valid_loss" in lines[0] and "elapsed" in lines[0] and "left" in lines[1]

    out = io.StringIO()
    small([ProgressCallback(file=out)], quiet=False).fit(1)
    assert "epoch 1/1 train" in out.getvalue()  # the bar went to the file too

    out = io.StringIO()
    small([ProgressCallback(quiet=True, file=out)]).fit(1)
    assert out.getvalue() == ""
    assert not any(isinstance(cb, ProgressCallback) for cb in small().cbs)
    assert any(isinstance(cb, ProgressCallback) for cb in small(quiet=False).cbs)
