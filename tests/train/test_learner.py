"""The Learner's loop: history, phases and modes, determinism, evaluate/predict."""

import numpy as np
import pytest
from train_helpers import blobs, make_learner, mlp, same_weights, split, without_time

import feedforward as ff
from feedforward import nn
from feedforward.train import Callback, History, Learner
from feedforward.train.callbacks import OneCycle
from feedforward.train.metrics import accuracy
from feedforward.utils.data import DataLoader, TensorDataset


def test_fit_records_one_row_per_epoch_and_learns():
    learn = make_learner(metrics=("loss", "accuracy"), lr=1e-2)
    history = learn.fit(4)
    assert isinstance(history, History) and history is learn.history
    assert [r["epoch"] for r in history] == [1, 2, 3, 4]
    assert history.columns == [
        "epoch",
        "train_loss",
        "train_accuracy",
        "valid_loss",
        "valid_accuracy",
        "lr",
        "time",
    ]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert history[-1]["valid_accuracy"] > 0.6
    assert all(r["lr"] == 1e-2 for r in history)
    assert learn.step == 4 * 6  # 192 samples / 32 per batch
    assert history.stop_reason is None and learn.stop_reason is None


def test_history_matches_evaluate_and_predict():
    """The valid_* columns are the metrics of the model at the end of the epoch."""
    x, y = blobs()
    learn = make_learner(metrics=("loss", "accuracy", "f1"), lr=1e-2)
    last = learn.fit(2)[-1]
    measured = learn.evaluate()
    assert measured["loss"] == last["valid_loss"]
    assert measured["accuracy"] == last["valid_accuracy"]
    logits = learn.predict(x[192:])
    assert accuracy(logits, y[192:]) == last["valid_accuracy"]
    # evaluate on a pair and with another batch size gives the same numbers (up to rounding)
    again = learn.evaluate((x[192:], y[192:]))
    assert again["accuracy"] == last["valid_accuracy"]
    assert again["loss"] == pytest.approx(last["valid_loss"], rel=1e-6)


def test_train_loss_is_the_sample_weighted_mean_of_batch_losses():
    losses = []

    class Losses(Callback):
        def after_loss(self, learn):
            if learn.training:
                losses.append((learn.loss.item(), len(learn.yb)))

    learn = make_learner([Losses()], n=250, train=200)  # 200 / 32: a last batch of 8
    record = learn.fit(1)[0]
    assert [n for _, n in losses] == [32] * 6 + [8]
    expected = sum(v * n for v, n in losses) / 200
    assert record["train_loss"] == pytest.approx(expected, rel=1e-12)


def test_same_as_a_hand_written_loop_bitwise():
    """Learner(seed=s) = manual_seed(s), a shuffling generator seeded from the default one, and
    the usual zero_grad/backward/step loop."""
    x, y = blobs()
    learn = make_learner(opt_func=ff.optim.SGD, lr=0.1, loss_fn=nn.CrossEntropyLoss(), seed=3)
    learn.fit(3)

    ff.manual_seed(3)
    model = mlp()
    ff.manual_seed(3)
    g = ff.Generator().manual_seed(int(ff.random._generator(None).integers(2**63)))
    (xt, yt), _ = split(x, y, 192)
    dl = DataLoader(
        TensorDataset(ff.tensor(xt), ff.tensor(yt)), batch_size=32, shuffle=True, generator=g
    )
    opt = ff.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(3):
        model.train()
        for xb, yb in dl:
            loss_fn(model(xb), yb).backward()
            opt.step()
            opt.zero_grad()
    assert same_weights(learn.model, model)


def test_same_seed_gives_bitwise_identical_runs():
    runs = []
    for seed in (7, 7, 8):
        learn = make_learner([OneCycle(1e-2)], seed=seed, metrics=("loss", "accuracy"))
        runs.append((learn, learn.fit(3)))
    (a, ha), (b, hb), (c, _) = runs
    assert same_weights(a.model, b.model)
    assert without_time(ha) == without_time(hb)
    assert not same_weights(a.model, c.model)


def test_modes_and_gradients_per_phase():
    seen = []

    class Probe(Callback):
        def after_pred(self, learn):
            drop = learn.model[2]
            seen.append(
                dict(
                    training=learn.training,
                    model=learn.model.training,
                    dropout=drop.training,
                    grad=ff.is_grad_enabled(),
                    inference=ff.is_inference_mode_enabled(),
                    tracked=learn.preds.requires_grad,
                )
            )

        def after_validate(self, learn):
            seen.append({"grads": [p.grad for p in learn.model.parameters()]})

    learn = make_learner([Probe()])
    assert isinstance(learn.model[2], nn.Dropout)
    learn.fit(2)
    train = [s for s in seen if s.get("training") is True]
    valid = [s for s in seen if s.get("training") is False]
    assert len(train) == 12 and len(valid) == 4  # 6 + 2 batches per epoch, 2 epochs
    assert all(s["model"] and s["dropout"] and s["grad"] and s["tracked"] for s in train)
    assert not any(s["inference"] for s in train)
    assert not any(s["model"] or s["dropout"] or s["grad"] or s["tracked"] for s in valid)
    assert all(s["inference"] for s in valid)
    grads = [s["grads"] for s in seen if "grads" in s]
    assert grads and all(g is None for gs in grads for g in gs)  # nothing recorded in validation


def test_predict_and_evaluate_use_eval_mode_and_restore_it():
    learn = make_learner()
    x, _ = blobs(20)
    learn.model.train()
    out = learn.predict(x, batch_size=7)
    assert learn.model.training
    learn.model.eval()
    with ff.no_grad():
        expected = learn.model(ff.tensor(x))
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    assert not out.requires_grad and out.shape == (20, 3)
    learn.model.train()
    learn.evaluate()
    assert learn.model.training
    loader_out = learn.predict(learn.valid_dl)
    assert loader_out.shape == (48, 3)


def test_default_loss_follows_the_targets():
    learn = make_learner()
    learn.fit(1)
    assert isinstance(learn.loss_fn, nn.CrossEntropyLoss)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    model = nn.Linear(3, 1)
    reg = Learner(model, (x, y), lr=0.05, quiet=True, metrics=("loss", "r2"), batch_size=8)
    history = reg.fit(5)
    assert isinstance(reg.loss_fn, nn.MSELoss)
    assert history[-1]["train_loss"] < history[0]["train_loss"] / 4
    assert history[-1]["train_r2"] > 0.9


def test_numpy_inputs_become_default_dtype_tensors():
    x, y = blobs(64)
    learn = Learner(mlp(), (x.astype(np.float64), y.astype(np.int32)), quiet=True)
    xb, yb = next(iter(learn.train_dl))
    assert xb.dtype == ff.float32 and yb.dtype == ff.int64
    assert len(learn.train_dl) == 1  # the default batch size, 64


def test_bad_data_is_reported():
    with pytest.raises(TypeError, match="train_data must be a DataLoader"):
        Learner(mlp(), "data.csv")
    x, y = blobs(10)
    with pytest.raises(ValueError, match="valid_data has 10 inputs but 9 targets"):
        Learner(mlp(), (x, y), (x, y[:9]))
    learn = Learner(mlp(), (x, y), quiet=True)
    with pytest.raises(ValueError, match="no valid_data"):
        learn.evaluate()


def test_fit_lr_and_custom_metrics():
    def worst_logit(preds, targets):
        return float(np.min(preds))

    learn = make_learner(metrics=("loss", worst_logit, "top_2_accuracy"))
    history = learn.fit(1, lr=0.05)
    assert learn.opt.param_groups[0]["lr"] == 0.05 and history[0]["lr"] == 0.05
    assert {"train_worst_logit", "valid_worst_logit", "valid_top_2_accuracy"} <= set(history[0])


def test_hooks_are_looked_up_once_per_fit():
    """Each hook's list holds only the callbacks that define it, in order."""

    class OnlyEpoch(Callback):
        order = 5

        def after_epoch(self, learn):
            pass

    only_epoch = OnlyEpoch()
    learn = make_learner([only_epoch])
    learn.fit(1)
    assert [f.__self__ for f in learn._hooks["after_epoch"]] == [learn.cbs[0], only_epoch]
    assert not learn._hooks["after_batch"]  # nobody defines it: nothing is called per batch
    assert [type(f.__self__).__name__ for f in learn._hooks["after_loss"]] == ["Recorder"]


def test_a_loaded_loader_is_used_as_given():
    x, y = blobs(100)
    loader = DataLoader(TensorDataset(ff.tensor(x), ff.tensor(y)), batch_size=25)
    learn = Learner(mlp(), loader, loader, quiet=True)
    assert learn.train_dl is loader and learn.valid_dl is loader
    assert len(learn.fit(1)) == 1
    assert "Learner(model=Sequential, opt=Adam, cbs=[Recorder])" == repr(learn)
