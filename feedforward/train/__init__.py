"""Training loops without boilerplate: ``Learner``, callbacks, metrics, the lr finder, checkpoints.

from feedforward.train import Learner
from feedforward.train.callbacks import EarlyStopping

learn = Learner(model, (x_train, y_train), (x_valid, y_valid), metrics=("loss", "accuracy"),
                callbacks=[EarlyStopping(patience=3)])
learn.lr_find().suggested
history = learn.fit(20)
"""

from feedforward.train import callbacks, metrics
from feedforward.train.callback import (
    Callback,
    CancelBackwardException,
    CancelBatchException,
    CancelEpochException,
    CancelFitException,
    CancelStepException,
    CancelTrainException,
    CancelValidException,
)
from feedforward.train.callbacks import (
    CSVLogger,
    EarlyStopping,
    GradientClipping,
    LRSchedulerCallback,
    MetricsCallback,
    ModelCheckpoint,
    OneCycle,
    ProgressCallback,
    Recorder,
    TerminateOnNaN,
)
from feedforward.train.history import History
from feedforward.train.learner import Learner
from feedforward.train.lr_finder import LRFinder, LRFindResult
from feedforward.train.metrics import METRICS

__all__ = [
    "METRICS",
    "CSVLogger",
    "Callback",
    "CancelBackwardException",
    "CancelBatchException",
    "CancelEpochException",
    "CancelFitException",
    "CancelStepException",
    "CancelTrainException",
    "CancelValidException",
    "EarlyStopping",
    "GradientClipping",
    "History",
    "LRFindResult",
    "LRFinder",
    "LRSchedulerCallback",
    "Learner",
    "MetricsCallback",
    "ModelCheckpoint",
    "OneCycle",
    "ProgressCallback",
    "Recorder",
    "TerminateOnNaN",
    "callbacks",
    "metrics",
]
