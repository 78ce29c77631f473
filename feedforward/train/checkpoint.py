"""Checkpoints that resume training exactly, and the ``ModelCheckpoint`` callback that writes them.

A checkpoint is one ``ff.save`` file (safetensors + JSON, written atomically) holding::

    model        parameters and buffers (model.state_dict())
    optimizer    optimizer.state_dict()
    callbacks    the state of every callback that has one (schedulers, EarlyStopping, Recorder...)
    rng          the default generator (dropout) and the Learner's shuffling generator
    train_loader the training DataLoader's position within its epoch (and its generator)
    progress     epoch, phase ("start", "train", "valid"), training batches done, optimizer steps
    history      the epochs recorded so far

Loading one and calling ``fit(epochs)`` again continues the run from the saved batch: the
remaining batches come in the same order with the same dropout masks, so the final weights are
bitwise identical to those of a run that was never interrupted (same machine, same code).

Example:
    >>> learn = Learner(model, train, valid, callbacks=[ModelCheckpoint("run.ckpt",
    ...                                                                  every_n_batches=50)])
    >>> learn.fit(10)                   # killed half-way...
    >>> learn = Learner(model, train, valid, callbacks=[ModelCheckpoint("run.ckpt",
    ...                                                                  every_n_batches=50)])
    >>> learn.load_checkpoint("run.ckpt").fit(10)   # ...finishes the same run
"""

from __future__ import annotations

import math
import os
import warnings
from collections import Counter
from typing import Any

from feedforward.random import default_generator
from feedforward.serialization import load, save
from feedforward.train.callback import Callback
from feedforward.train.history import History, infer_mode

__all__ = ["ModelCheckpoint", "load_checkpoint", "resume", "save_checkpoint"]

FORMAT = "feedforward.train.checkpoint"
VERSION = 1


# ------------------------------------------------------------------------------ save and load


def checkpoint_state(learn) -> dict[str, Any]:
    """Everything :func:`resume` needs, as an object ``ff.save`` can write."""
    loader = dict(learn.train_dl.state_dict())
    phase, epoch, done = learn.phase, learn.epoch, 0
    if phase == "train":
        done = loader["batches_yielded"]
    else:
        if phase == "end":  # the epoch is over: resume with the next one
            phase, epoch = "start", epoch + 1
        # the next training pass starts a new epoch of the loader
        loader.update(batches_yielded=0, epoch_in_progress=False)
        loader.pop("epoch_generator_state", None)
    return {
        "format": FORMAT,
        "version": VERSION,
        "model": learn.model.state_dict(),
        "optimizer": learn.opt.state_dict(),
        "callbacks": {key: cb.state_dict() for key, cb in _stateful(learn.cbs)},
        "rng": {"default": default_generator.get_state(), "learner": learn.generator.get_state()},
        "train_loader": loader,
        "progress": {
            "epoch": epoch,
            "phase": phase,
            "batches_done": done,
            "step": learn.step,
            "epochs": learn.epochs,
        },
        "history": learn.history.state_dict(),
    }


def save_checkpoint(learn, path: str | os.PathLike) -> None:
    """Write ``learn``'s full training state to ``path`` (atomically)."""
    save(checkpoint_state(learn), path)


def load_checkpoint(learn, path: str | os.PathLike) -> dict[str, Any]:
    """Load the weights, optimizer state, history and step count now; the next ``fit`` resumes.

    Returns:
        the checkpoint's contents.

    Raises:
        ValueError: the file is not a Learner checkpoint.
    """
    ckpt = load(path)
    if not (isinstance(ckpt, dict) and ckpt.get("format") == FORMAT):
        raise ValueError(
            f"load_checkpoint: {os.fspath(path)!r} is not a Learner checkpoint (written by "
            "Learner.save_checkpoint or ModelCheckpoint); for a bare state_dict use "
            "model.load_state_dict(ff.load(path))"
        )
    if ckpt["version"] > VERSION:
        raise ValueError(
            f"load_checkpoint: {os.fspath(path)!r} has checkpoint version {ckpt['version']}; "
            f"this feedforward reads version {VERSION}"
        )
    learn.model.load_state_dict(ckpt["model"])
    learn.opt.load_state_dict(ckpt["optimizer"])
    learn.history = History()
    learn.history.load_state_dict(ckpt["history"])
    learn.step = ckpt["progress"]["step"]
    learn._resume = ckpt
    return ckpt


def resume(learn, ckpt: dict[str, Any]) -> int:
    """Put ``learn`` back where ``ckpt`` was saved; called by fit after ``before_fit``.

    It runs after ``before_fit`` because callbacks may build objects there (a OneCycle
    scheduler, which resets the optimizer's lrs) whose saved state must then be loaded.

    Returns:
        the epoch (0-based) to continue with.
    """
    learn.model.load_state_dict(ckpt["model"])
    learn.opt.load_state_dict(ckpt["optimizer"])
    saved = ckpt["callbacks"]
    for key, cb in _stateful(learn.cbs):
        if key in saved:
            cb.load_state_dict(saved[key])
        else:
            warnings.warn(
                f"resume: the checkpoint has no state for callback {key}; it starts afresh",
                stacklevel=3,
            )
    default_generator.set_state(ckpt["rng"]["default"])
    learn.generator.set_state(ckpt["rng"]["learner"])
    learn.train_dl.load_state_dict(ckpt["train_loader"])
    progress = ckpt["progress"]
    learn.step = progress["step"]
    phase = progress["phase"]
    learn.phase = phase
    learn.resume_phase = phase if phase in ("train", "valid") else None
    learn._skip = progress["batches_done"] if phase == "train" else 0
    return progress["epoch"]


def _stateful(cbs: list[Callback]) -> list[tuple[str, Callback]]:
    """(key, callback) for callbacks with a state_dict; keys are class names, numbered when a
    class appears more than once ("EarlyStopping", "EarlyStopping#2")."""
    seen: Counter[str] = Counter()
    out = []
    for cb in cbs:
        if callable(getattr(cb, "state_dict", None)) and callable(
            getattr(cb, "load_state_dict", None)
        ):
            name = type(cb).__name__
            seen[name] += 1
            out.append((name if seen[name] == 1 else f"{name}#{seen[name]}", cb))
    return out


# ------------------------------------------------------------------------------ the callback


class ModelCheckpoint(Callback):
    """Save resumable checkpoints while training: the last state, the best one, or both.

    Args:
        path: the checkpoint of the latest state, written at the end of every epoch (with
            ``save_last``) and every ``every_n_batches`` optimizer steps.
        monitor: the history column that decides the best epoch (with ``save_best``).
        save_best: write a checkpoint whenever ``monitor`` improves, to ``best_path``.
        save_last: write ``path`` at the end of every epoch.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (min for losses/errors).
        every_n_batches: also write ``path`` after every N-th optimizer step, so that a run
            killed at any moment resumes from at most N steps back.
        best_path: where the best checkpoint goes; default ``path`` itself when nothing else
            writes ``path``, else ``<path stem>.best<suffix>``.

    Every file is written atomically: a crash mid-write leaves the previous file intact.
    """

    order = 90  # last: the state it saves includes every other callback's work on this step

    def __init__(
        self,
        path: str | os.PathLike,
        monitor: str = "valid_loss",
        save_best: bool = True,
        save_last: bool = True,
        mode: str = "auto",
        every_n_batches: int | None = None,
        best_path: str | os.PathLike | None = None,
    ) -> None:
        if every_n_batches is not None and every_n_batches < 1:
            raise ValueError(
                f"ModelCheckpoint: every_n_batches must be >= 1, got {every_n_batches}"
            )
        self.path = os.fspath(path)
        self.monitor, self.save_best, self.save_last = monitor, save_best, save_last
        self.mode = infer_mode(monitor) if mode == "auto" else mode
        if self.mode not in ("min", "max"):
            raise ValueError(f"ModelCheckpoint: mode must be 'min', 'max' or 'auto', got {mode!r}")
        self.every_n_batches = every_n_batches
        if best_path is None:
            stem, suffix = os.path.splitext(self.path)
            shared = save_last or every_n_batches is not None
            best_path = f"{stem}.best{suffix}" if shared else self.path
        self.best_path = os.fspath(best_path)
        self.best: float | None = None
        if every_n_batches is not None:  # only then is there per-batch work
            self.after_batch = self._save_every_n

    def before_fit(self, learn) -> None:
        self.best = None

    def _save_every_n(self, learn) -> None:
        if learn.training and learn.step % self.every_n_batches == 0:
            save_checkpoint(learn, self.path)

    def after_epoch(self, learn) -> None:
        if self.save_best:
            value = learn.history[-1].get(self.monitor)
            if value is None:
                raise KeyError(
                    f"ModelCheckpoint: the history has no {self.monitor!r} (columns: "
                    f"{', '.join(learn.history[-1])}); is there valid_data?"
                )
            if self._improved(value):
                self.best = value
                save_checkpoint(learn, self.best_path)
        if self.save_last:
            save_checkpoint(learn, self.path)

    def _improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best is None:
            return True
        return value < self.best if self.mode == "min" else value > self.best

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state["best"]
