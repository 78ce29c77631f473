"""Checkpoints: what they hold, loading them, and resuming a run bitwise where it stopped."""

import numpy as np
import pytest
from train_helpers import blobs, make_learner, mlp, same_weights, weights, without_time

import feedforward as ff
from feedforward.train import Callback, Learner
from feedforward.train.callbacks import EarlyStopping, ModelCheckpoint, OneCycle
from feedforward.utils.data import DataLoader, TensorDataset

EPOCHS = 4  # 6 training batches per epoch: 24 optimizer steps


class Interrupt(Exception):
    """Stands in for the process dying."""


class DieAt(Callback):
    """Raise Interrupt after optimizer step ``step`` (after any checkpoint of that step)."""

    order = 100

    def __init__(self, step):
        self.step = step

    def after_batch(self, learn):
        if learn.training and learn.step == self.step:
            raise Interrupt


def _callbacks(path, every=5):
    return [
        OneCycle(2e-2),
        EarlyStopping(patience=10),
        ModelCheckpoint(path, every_n_batches=every),
    ]


def _learner(callbacks, **kwargs):
    return make_learner(callbacks, metrics=("loss", "accuracy"), **kwargs)


def _scrambled(learn):
    """Spoil the weights, so a resume that forgot to load them would show."""
    with ff.no_grad():
        for p in learn.model.parameters():
            p.mul_(-0.5)
    return learn


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    learn = _learner(_callbacks(tmp_path_factory.mktemp("ref") / "ref.ckpt"))
    history = learn.fit(EPOCHS)
    return learn, history


@pytest.mark.parametrize("die_at", [5, 6, 7, 12, 13, 19, 23])
def test_resume_after_a_crash_is_bitwise_identical(tmp_path, uninterrupted, die_at):
    """Checkpoints every 5 steps and after every epoch; dying at any step resumes from the last
    one, mid-epoch or at an epoch's end, with OneCycle, EarlyStopping, dropout and shuffling."""
    path = tmp_path / "run.ckpt"
    with pytest.raises(Interrupt):
        _learner(_callbacks(path) + [DieAt(die_at)]).fit(EPOCHS)
    saved = ff.load(path)
    # every 5 steps, and at the end of each epoch of 6 steps (not yet at its last batch)
    assert saved["progress"]["step"] == max(5 * (die_at // 5), 6 * ((die_at - 1) // 6))

    resumed = _scrambled(_learner(_callbacks(path), seed=99))
    resumed.load_checkpoint(path)
    history = resumed.fit(EPOCHS)
    reference, ref_history = uninterrupted
    assert same_weights(resumed.model, reference.model)
    assert without_time(history) == without_time(ref_history)
    assert resumed.step == reference.step == EPOCHS * 6
    ref_opt, opt = reference.opt.state_dict(), resumed.opt.state_dict()
    assert ref_opt["param_groups"] == opt["param_groups"]
    for k, state in ref_opt["state"].items():
        for name, value in state.items():
            assert np.array_equal(value._data, opt["state"][k][name]._data)


def test_resume_from_a_checkpoint_taken_during_validation(tmp_path, uninterrupted):
    path = tmp_path / "valid.ckpt"

    class SaveInValidation(Callback):
        order = 95

        def after_batch(self, learn):
            if not learn.training and learn.epoch == 1:
                learn.save_checkpoint(path)
                raise Interrupt

    with pytest.raises(Interrupt):
        _learner(_callbacks(tmp_path / "x.ckpt") + [SaveInValidation()]).fit(EPOCHS)
    assert ff.load(path)["progress"]["phase"] == "valid"
    resumed = _scrambled(_learner(_callbacks(tmp_path / "x.ckpt"))).load_checkpoint(path)
    history = resumed.fit(EPOCHS)
    reference, ref_history = uninterrupted
    assert same_weights(resumed.model, reference.model)
    assert without_time(history) == without_time(ref_history)


def test_resume_with_a_loader_shuffled_by_the_default_generator(tmp_path):
    """The loader and dropout then share one generator; both are restored."""
    x, y = blobs()

    def learner(callbacks):
        ff.manual_seed(4)
        loader = DataLoader(
            TensorDataset(ff.tensor(x[:192]), ff.tensor(y[:192])), batch_size=32, shuffle=True
        )
        return Learner(mlp(), loader, (x[192:], y[192:]), callbacks=callbacks, quiet=True)

    reference = learner([])
    ref_history = reference.fit(3)
    path = tmp_path / "run.ckpt"
    with pytest.raises(Interrupt):
        learner([ModelCheckpoint(path, every_n_batches=4), DieAt(9)]).fit(3)
    resumed = learner([ModelCheckpoint(path, every_n_batches=4)]).load_checkpoint(path)
    history = resumed.fit(3)
    assert same_weights(resumed.model, reference.model)
    assert without_time(history) == without_time(ref_history)


def test_checkpoint_contents(tmp_path):
    learn = _learner([EarlyStopping(), EarlyStopping(monitor="valid_accuracy")])
    learn.fit(1)
    path = tmp_path / "c.safetensors"
    learn.save_checkpoint(path)
    ckpt = ff.load(path)
    assert set(ckpt) == {
        "format",
        "version",
        "model",
        "optimizer",
        "callbacks",
        "rng",
        "train_loader",
        "progress",
        "history",
    }
    assert ckpt["progress"] == {
        "epoch": 1,
        "phase": "start",
        "batches_done": 0,
        "step": 6,
        "epochs": 1,
    }
    assert set(ckpt["callbacks"]) == {"Recorder", "EarlyStopping", "EarlyStopping#2"}
    assert set(ckpt["rng"]) == {"default", "learner"}
    assert ckpt["train_loader"]["epoch_in_progress"] is False
    assert ckpt["history"]["epochs"] == list(learn.history)
    assert list(ckpt["model"]) == list(learn.model.state_dict())
    # a plain safetensors file: the model's tensors are there under their state_dict names
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    tensors = safetensors_numpy.load_file(str(path))
    np.testing.assert_array_equal(tensors["model.0.weight"], learn.model[0].weight.detach().numpy())


def test_load_checkpoint_restores_weights_optimizer_and_history_at_once(tmp_path):
    learn = _learner([])
    learn.fit(2)
    learn.save_checkpoint(tmp_path / "c.ckpt")
    other = _scrambled(_learner([], seed=5))
    assert not same_weights(other.model, learn.model)
    other.load_checkpoint(tmp_path / "c.ckpt")
    assert same_weights(other.model, learn.model)
    assert other.history == learn.history and other.step == learn.step == 12
    assert other.evaluate() == learn.evaluate()
    a, b = other.opt.state_dict(), learn.opt.state_dict()
    assert all(
        np.array_equal(a["state"][k]["exp_avg"]._data, b["state"][k]["exp_avg"]._data)
        for k in b["state"]
    )


def test_resume_a_finished_run_and_train_longer(tmp_path):
    reference = _learner([])
    ref_history = reference.fit(5)

    first = _learner([])
    first.fit(3)
    first.save_checkpoint(tmp_path / "c.ckpt")
    again = _learner([]).load_checkpoint(tmp_path / "c.ckpt")
    before = weights(again.model)
    assert len(again.fit(3)) == 3  # nothing left to do
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(again.model)))
    longer = _learner([]).load_checkpoint(tmp_path / "c.ckpt")
    assert without_time(longer.fit(5)) == without_time(ref_history)
    assert same_weights(longer.model, reference.model)


def test_early_stopping_state_survives_a_resume(tmp_path):
    """The decision to stop, made at the end of an epoch, is in that epoch's checkpoint."""

    class Script(Callback):
        order = 45

        def after_epoch(self, learn):
            learn.history[-1]["valid_loss"] = [3.0, 2.0, 2.5, 2.6, 1.0, 0.5][learn.epoch]

    def callbacks():
        return [Script(), EarlyStopping(patience=2), ModelCheckpoint(tmp_path / "c.ckpt")]

    reference = _learner(callbacks())
    reference.fit(6)
    assert len(reference.history) == 4 and reference.stop_reason

    class DieAfterEpoch4(Callback):
        order = 100

        def after_epoch(self, learn):
            if learn.epoch == 3:
                raise Interrupt

    with pytest.raises(Interrupt):
        _learner(callbacks() + [DieAfterEpoch4()]).fit(6)
    resumed = _learner(callbacks()).load_checkpoint(tmp_path / "c.ckpt")
    resumed.fit(6)
    assert len(resumed.history) == 4 and resumed.stop_reason == reference.stop_reason
    assert same_weights(resumed.model, reference.model)  # the best epoch's weights, restored


def test_bad_checkpoints_are_reported(tmp_path):
    learn = _learner([])
    ff.save(learn.model.state_dict(), tmp_path / "weights.safetensors")
    with pytest.raises(ValueError, match="not a Learner checkpoint"):
        learn.load_checkpoint(tmp_path / "weights.safetensors")

    learn.save_checkpoint(tmp_path / "plain.ckpt")
    with pytest.warns(UserWarning, match="no state for callback EarlyStopping"):
        _learner([EarlyStopping()]).load_checkpoint(tmp_path / "plain.ckpt").fit(1)
    with pytest.raises(ValueError, match="every_n_batches"):
        ModelCheckpoint(tmp_path / "x", every_n_batches=0)
