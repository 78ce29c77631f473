"""The Learner's callbacks: progress, metrics, schedules, early stopping, checkpoints, safety.

from feedforward.train.callbacks import EarlyStopping, ModelCheckpoint, OneCycle
"""

from feedforward.train.callback import Callback
from feedforward.train.callbacks.clipping import GradientClipping
from feedforward.train.callbacks.csv_logger import CSVLogger
from feedforward.train.callbacks.early_stopping import EarlyStopping
from feedforward.train.callbacks.nan import TerminateOnNaN
from feedforward.train.callbacks.progress import ProgressCallback
from feedforward.train.callbacks.recorder import MetricsCallback, MetricsState, Recorder
from feedforward.train.callbacks.schedule import LRSchedulerCallback, OneCycle
from feedforward.train.checkpoint import ModelCheckpoint
from feedforward.train.lr_finder import LRFinder

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "GradientClipping",
    "LRFinder",
    "LRSchedulerCallback",
    "MetricsCallback",
    "MetricsState",
    "ModelCheckpoint",
    "OneCycle",
    "ProgressCallback",
    "Recorder",
    "TerminateOnNaN",
]
