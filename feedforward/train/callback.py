"""The callback protocol of the Learner, and the exceptions that cut its loop short.

A callback is any object with an ``order`` (callbacks run in increasing order; ties keep the
order they were given in) and any of these methods, each called with the learner::

    before_fit      after_fit       after_cancel_fit
    before_epoch    after_epoch     after_cancel_epoch
    before_train    after_train     after_cancel_train
    before_validate after_validate  after_cancel_validate
    before_batch    after_batch     after_cancel_batch
    after_pred      after_loss
    before_backward after_backward  after_cancel_backward
    before_step     after_step      after_cancel_step
    cleanup_fit     (the very end of fit, even when an error escapes: release resources)

Raising one of the ``Cancel*Exception`` from a hook skips the rest of that part of the loop;
the matching ``after_cancel_*`` hooks run, then the ``after_*`` hooks still run (as in fastai).
A callback that keeps state worth resuming (a best score, a counter) gives ``state_dict()`` and
``load_state_dict(state)``; checkpoints then save and restore it.

Example:
    >>> class PrintLoss(Callback):
    ...     order = 50
    ...     def after_epoch(self, learn):
    ...         print(learn.epoch, learn.history[-1]["train_loss"])
"""

from __future__ import annotations

__all__ = [
    "HOOKS",
    "Callback",
    "CancelBackwardException",
    "CancelBatchException",
    "CancelEpochException",
    "CancelFitException",
    "CancelStepException",
    "CancelTrainException",
    "CancelValidException",
]

# the parts of the loop that have before_/after_/after_cancel_ hooks, outermost first
EVENTS = ("fit", "epoch", "train", "validate", "batch", "backward", "step")
HOOKS = tuple(f"{when}_{event}" for event in EVENTS for when in ("before", "after_cancel", "after"))
HOOKS += ("after_pred", "after_loss", "cleanup_fit")


class Callback:
    """Base class for callbacks: subclass it and define the hooks you need (see module doc).

    The base class defines no hooks, so the Learner calls a callback only for the hooks it has.
    """

    order: int = 0

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}(order={self.order})"


class CancelFitException(Exception):
    """Stop training: skip the remaining epochs (``after_cancel_fit`` then ``after_fit`` run)."""


class CancelEpochException(Exception):
    """End the current epoch now (``after_epoch`` still runs)."""


class CancelTrainException(Exception):
    """End the training phase of this epoch and go on to validation."""


class CancelValidException(Exception):
    """Skip (the rest of) this epoch's validation."""


class CancelBatchException(Exception):
    """Skip the rest of this batch (no backward or step if raised before them)."""


class CancelBackwardException(Exception):
    """Skip ``loss.backward()`` for this batch."""


class CancelStepException(Exception):
    """Skip ``opt.step()`` for this batch."""
