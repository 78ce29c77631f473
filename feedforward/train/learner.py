"""``Learner``: a model, its data, a loss and an optimizer, trained by a loop of callbacks.

The loop is the one of fastai's course (miniai ``learner.py``): ``fit`` runs epochs, an epoch runs
a training phase and a validation phase, a phase runs batches, and every step of the way calls
the callbacks' hooks (see :mod:`feedforward.train.callback`). Everything beyond the bare loop
(metrics, progress bars, schedules, early stopping, checkpoints) is a callback.

Example:
    >>> learn = Learner(model, (x_train, y_train), (x_valid, y_valid),
    ...                 loss_fn=nn.CrossEntropyLoss(), lr=1e-3, metrics=("loss", "accuracy"))
    >>> history = learn.fit(5)
    >>> learn.evaluate((x_test, y_test))
    {'loss': 0.31, 'accuracy': 0.91}
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from feedforward import _dtype
from feedforward.autograd.grad_mode import enable_grad, inference_mode
from feedforward.optim import Adam
from feedforward.random import Generator, _generator, manual_seed
from feedforward.tensor import Tensor
from feedforward.train.callback import (
    EVENTS,
    HOOKS,
    Callback,
    CancelBackwardException,
    CancelBatchException,
    CancelEpochException,
    CancelFitException,
    CancelStepException,
    CancelTrainException,
    CancelValidException,
)
from feedforward.train.callbacks.progress import ProgressCallback
from feedforward.train.callbacks.recorder import MetricsState, Recorder
from feedforward.train.history import History
from feedforward.train.metrics import Metric, get_metric
from feedforward.utils.data import DataLoader, TensorDataset

__all__ = ["Learner"]

Data = DataLoader | tuple[Any, Any] | list


class Learner:
    """Trains ``model`` on ``train_data`` and measures it on ``valid_data`` after every epoch.

    Args:
        model: an ``nn.Module`` (anything callable on a batch of inputs with ``parameters()``,
            ``train()``, ``state_dict()``).
        train_data: a DataLoader, or an ``(inputs, targets)`` pair of Tensors or arrays (the
            Learner batches it itself: ``batch_size`` samples, shuffled every epoch by the
            Learner's own generator).
        valid_data: the same kinds, or None for no validation.
        loss_fn: ``loss_fn(preds, targets) -> Tensor``; by default ``nn.CrossEntropyLoss()`` for
            integer targets and ``nn.MSELoss()`` for float targets.
        optimizer: an optimizer over the model's parameters; by default
            ``opt_func(model.parameters(), lr=lr)``.
        opt_func, lr: used when no optimizer is given.
        metrics: names from ``feedforward.train.metrics.METRICS`` or functions
            ``metric(preds, targets) -> float``; ``"loss"`` is always measured. The history gets
            ``train_<name>`` and ``valid_<name>`` for each.
        callbacks: extra callbacks (a Recorder, and a ProgressCallback unless ``quiet``, are
            always added).
        seed: seeds the default generator (dropout and other random layers) and the Learner's
            shuffling generator, so a run can be repeated exactly. None: the shuffling generator
            is seeded from the default generator (so ``ff.manual_seed`` fixes it too).
        batch_size: batch size of the loaders the Learner makes from pairs.
        quiet: no progress bar or epoch lines.

    During ``fit`` the learner exposes to callbacks: ``model, opt, loss_fn, epoch`` (0-based),
    ``epochs, iter`` (batch index in the epoch), ``n_iter, training, xb, yb, preds, loss``,
    ``step`` (optimizer steps so far), ``dl`` (the current loader) and ``metrics_state``.
    """

    def __init__(
        self,
        model: Any,
        train_data: Data,
        valid_data: Data | None = None,
        loss_fn: Callable | None = None,
        optimizer: Any = None,
        opt_func: Callable = Adam,
        lr: float = 1e-3,
        metrics: Sequence[str | Metric] = ("loss",),
        callbacks: Iterable[Callback] = (),
        seed: int | None = None,
        *,
        batch_size: int = 64,
        quiet: bool = False,
    ) -> None:
        if seed is not None:
            manual_seed(seed)
        # the shuffling generator's seed comes from the default generator: one seed fixes both
        self.generator = Generator().manual_seed(int(_generator(None).integers(2**63)))
        self.model = model
        self.batch_size = batch_size
        self.train_dl = self._loader(train_data, shuffle=True, what="train_data")
        self.valid_dl = None
        if valid_data is not None:
            self.valid_dl = self._loader(valid_data, shuffle=False, what="valid_data")
        self.loss_fn = loss_fn
        self.lr = lr
        self.opt = optimizer if optimizer is not None else opt_func(model.parameters(), lr=lr)
        self.metrics: list[tuple[str, Metric]] = _metrics(metrics)
        self.history = History()
        self.cbs: list[Callback] = [Recorder()]
        callbacks = list(callbacks)
        if not quiet and not any(isinstance(cb, ProgressCallback) for cb in callbacks):
            self.cbs.append(ProgressCallback())
        self.cbs += callbacks

        # the loop's state, read by callbacks
        self.epoch, self.epochs, self.iter, self.n_iter, self.step = 0, 0, 0, 0, 0
        self.training = False
        self.xb = self.yb = self.preds = self.loss = self.dl = None
        self.metrics_state: MetricsState | None = None
        self.phase = "start"  # of the epoch: "start", "train", "valid", "end" (for checkpoints)
        self.resume_phase: str | None = None  # "train"/"valid" in the first epoch of a resume
        self._resume: dict | None = None  # a loaded checkpoint, applied when fit starts
        self._skip = 0  # training batches of the resumed epoch already done
        self._hooks: dict[str, list[Callable]] = {}
        self._events: dict[str, tuple[list, list, list]] = {}

    def __repr__(self) -> str:
        cbs = ", ".join(type(cb).__name__ for cb in self.cbs)
        model, opt = type(self.model).__name__, type(self.opt).__name__
        return f"Learner(model={model}, opt={opt}, cbs=[{cbs}])"

    # ------------------------------------------------------------------ callbacks

    def add_cb(self, cb: Callback) -> Learner:
        """Add a callback (it takes part from the next ``fit``)."""
        self.cbs.append(cb)
        return self

    def remove_cb(self, cb: Callback) -> Learner:
        self.cbs.remove(cb)
        return self

    def _use(self, cbs: Iterable[Callback]) -> None:
        """Precompute, per hook, the bound methods of the callbacks that define it (by order)."""
        ordered = sorted(cbs, key=lambda cb: cb.order)  # stable: ties keep the given order
        self._hooks = {
            hook: [getattr(cb, hook) for cb in ordered if callable(getattr(cb, hook, None))]
            for hook in HOOKS
        }
        self._events = {
            e: (
                self._hooks[f"before_{e}"],
                self._hooks[f"after_cancel_{e}"],
                self._hooks[f"after_{e}"],
            )
            for e in EVENTS
        }

    def _call(self, hook: str) -> None:
        for fn in self._hooks[hook]:
            fn(self)

    def _with_events(self, body: Callable[[], None], event: str, cancel: type[Exception]) -> None:
        """before_<event>, body, after_<event>; a ``cancel`` exception jumps to after_cancel."""
        before, cancelled, after = self._events[event]
        try:
            for fn in before:
                fn(self)
            body()
        except cancel:
            for fn in cancelled:
                fn(self)
        for fn in after:
            fn(self)

    # ------------------------------------------------------------------ the loop

    def fit(self, epochs: int, lr: float | None = None) -> History:
        """Train for ``epochs`` epochs (validating after each) and return :attr:`history`.

        After :meth:`load_checkpoint`, continues the saved run instead: the epochs up to
        ``epochs`` that the saved run had left, starting at the saved batch.

        Args:
            lr: set the learning rate of every parameter group first.
        """
        if lr is not None:
            self.lr = lr
            for group in self.opt.param_groups:
                group["lr"] = lr
        if self.loss_fn is None:
            self.loss_fn = _default_loss(self.train_dl)
        self.epochs = epochs
        if self._resume is None:
            self.history = History()
            self.epoch = 0
        self._run(self.cbs, self._do_fit)
        return self.history

    def _run(self, cbs: Iterable[Callback], body: Callable[[], None]) -> None:
        """Run ``body`` as a fit with these callbacks."""
        self._use(cbs)
        try:
            self._with_events(body, "fit", CancelFitException)
        finally:
            self._call("cleanup_fit")
            self._resume = None
            self.resume_phase = None

    def _do_fit(self) -> None:
        start = 0
        if self._resume is not None:
            from feedforward.train.checkpoint import resume

            start = resume(self, self._resume)  # after before_fit: schedulers exist by now
        for epoch in range(start, self.epochs):
            self.epoch = epoch
            if self.resume_phase is None:
                self.phase = "start"
            self._with_events(self._do_epoch, "epoch", CancelEpochException)
            self.resume_phase = None

    def _do_epoch(self) -> None:
        try:
            if self.resume_phase != "valid":
                self.phase = "train"
                self._do_phase(True, self.train_dl, "train", CancelTrainException)
            self.phase = "valid"
            if self.valid_dl is not None:
                self._do_phase(False, self.valid_dl, "validate", CancelValidException)
        finally:
            self.phase = "end"  # a checkpoint from after_epoch on resumes at the next epoch

    def _do_phase(self, training: bool, dl: Any, event: str, cancel: type[Exception]) -> None:
        self.training, self.dl, self.n_iter = training, dl, _length(dl)
        self.model.train(training)
        with enable_grad() if training else inference_mode():
            self._with_events(self._all_batches, event, cancel)

    def _all_batches(self) -> None:
        start = 0
        if self.training:  # a resumed epoch starts after the batches it had done
            start, self._skip = self._skip, 0
        for i, (xb, yb) in enumerate(self.dl, start):
            self.iter, self.xb, self.yb = i, xb, yb
            self._with_events(self._one_batch, "batch", CancelBatchException)

    def _one_batch(self) -> None:
        self.preds = self.model(self.xb)
        self._call("after_pred")
        self.loss = self.loss_fn(self.preds, self.yb)
        self._call("after_loss")
        if self.training:
            self._with_events(self._backward, "backward", CancelBackwardException)
            self._with_events(self._step, "step", CancelStepException)
            self.opt.zero_grad()

    def _backward(self) -> None:
        self.loss.backward()

    def _step(self) -> None:
        self.opt.step()
        self.step += 1

    # ------------------------------------------------------------------ using the model

    def evaluate(self, data: Data | None = None) -> dict[str, float]:
        """The metrics of the model on ``data`` (default: the validation data), in eval mode.

        Returns:
            ``{"loss": ..., "<metric>": ...}`` for the Learner's metrics.
        """
        if data is None:
            if self.valid_dl is None:
                raise ValueError("Learner.evaluate: no data given and no valid_data to use")
            dl = self.valid_dl
        else:
            dl = self._loader(data, False, "data", batch_size=256)
        loss_fn = self.loss_fn if self.loss_fn is not None else _default_loss(dl)
        state = MetricsState(keep_outputs=len(self.metrics) > 1)
        with _eval_mode(self.model), inference_mode():
            for xb, yb in dl:
                preds = self.model(xb)
                state.update(loss_fn(preds, yb), preds, yb)
        return state.compute(self.metrics)

    def predict(self, inputs: Any, batch_size: int = 256) -> Tensor:
        """The model's outputs (e.g. logits) for ``inputs``, in eval mode and batches.

        Args:
            inputs: a Tensor or array of inputs, or a DataLoader (its batches' first element).
        """
        if isinstance(inputs, DataLoader):
            batches: Iterable = (b[0] if isinstance(b, list | tuple) else b for b in inputs)
        else:
            x = _as_tensor(inputs, "Learner.predict", "inputs")
            batches = (x[i : i + batch_size] for i in range(0, len(x), batch_size))
        with _eval_mode(self.model), inference_mode():
            outs = [self.model(xb)._data for xb in batches]
        if not outs:
            raise ValueError("Learner.predict: got no inputs")
        return Tensor._make(np.concatenate(outs), False, None)

    def lr_find(
        self,
        start_lr: float = 1e-7,
        end_lr: float = 10.0,
        num_it: int = 100,
        smooth: float = 0.98,
        diverge: float = 4.0,
    ):
        """Sweep the learning rate exponentially and suggest one; see :mod:`.lr_finder`.

        The model, optimizer and random generators are left exactly as they were.

        Returns:
            an :class:`~feedforward.train.lr_finder.LRFindResult`.
        """
        from feedforward.train.lr_finder import lr_find

        return lr_find(self, start_lr, end_lr, num_it, smooth, diverge)

    # ------------------------------------------------------------------ checkpoints

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Save everything needed to resume training exactly (atomically, via ``ff.save``)."""
        from feedforward.train.checkpoint import save_checkpoint

        save_checkpoint(self, path)

    def load_checkpoint(self, path: str | os.PathLike) -> Learner:
        """Load a checkpoint: the weights and optimizer at once; the next ``fit(epochs)``
        continues the saved run from its epoch and batch."""
        from feedforward.train.checkpoint import load_checkpoint

        load_checkpoint(self, path)
        return self

    @property
    def stop_reason(self) -> str | None:
        """Why the last fit stopped early (EarlyStopping, TerminateOnNaN, ...), or None."""
        return self.history.stop_reason

    @stop_reason.setter
    def stop_reason(self, reason: str | None) -> None:
        self.history.stop_reason = reason

    # ------------------------------------------------------------------ data

    def _loader(self, data: Data, shuffle: bool, what: str, batch_size: int | None = None):
        if isinstance(data, DataLoader):
            return data
        if isinstance(data, tuple | list) and len(data) == 2:
            x = _as_tensor(data[0], "Learner", f"{what}[0] (inputs)")
            y = _as_tensor(data[1], "Learner", f"{what}[1] (targets)")
            if len(x) != len(y):
                raise ValueError(f"Learner: {what} has {len(x)} inputs but {len(y)} targets")
            return DataLoader(
                TensorDataset(x, y),
                batch_size=batch_size or self.batch_size,
                shuffle=shuffle,
                generator=self.generator if shuffle else None,
            )
        raise TypeError(
            f"Learner: {what} must be a DataLoader or an (inputs, targets) pair, got "
            f"{type(data).__name__}"
        )


# ---------------------------------------------------------------------------------- helpers


class _eval_mode:
    """Put a model in eval mode for a block, then back in the mode it was in."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __enter__(self) -> None:
        self.was_training = getattr(self.model, "training", False)
        self.model.train(False)

    def __exit__(self, *exc: object) -> None:
        self.model.train(self.was_training)


def _length(dl: Any) -> int | None:
    """Batches per epoch, or None for a loader that can't tell (an iterable dataset)."""
    try:
        return len(dl)
    except TypeError:
        return None


def _as_tensor(x: Any, fn: str, what: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    try:
        a = np.asarray(x)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{fn}: {what} must be a Tensor or array, got {type(x).__name__}") from e
    if a.dtype.kind == "f":  # NumPy's float64 arrays become the default dtype (float32)
        a = a.astype(_dtype.get_default_dtype().numpy_dtype, copy=False)
    elif a.dtype.kind in "iu":
        a = a.astype(np.int64, copy=False)
    elif a.dtype.kind != "b":
        raise TypeError(f"{fn}: {what} must hold numbers, got dtype {a.dtype}")
    return Tensor._make(np.ascontiguousarray(a), False, None)


def _metrics(metrics: Sequence[str | Metric]) -> list[tuple[str, Metric]]:
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    named = [get_metric(m) for m in metrics]
    if not any(name == "loss" for name, _ in named):
        named.insert(0, get_metric("loss"))
    return named


def _default_loss(dl: Any) -> Callable:
    """Cross-entropy for integer targets, mean squared error for float targets."""
    from feedforward import nn

    dataset = getattr(dl, "dataset", None)
    if isinstance(dataset, TensorDataset):
        targets = dataset.tensors[-1]
    else:
        try:
            targets = dataset[0][-1]
        except Exception as e:
            raise ValueError(
                "Learner: can't tell the kind of targets to pick a loss; pass loss_fn="
            ) from e
    kind = np.asarray(targets._data if isinstance(targets, Tensor) else targets).dtype.kind
    return nn.CrossEntropyLoss() if kind in "iu" else nn.MSELoss()
