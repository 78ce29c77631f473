"""Small problems and models shared by the tests of feedforward.train."""

from __future__ import annotations

import numpy as np

import feedforward as ff
from feedforward import nn
from feedforward.train import Callback, Learner


def blobs(n: int = 240, features: int = 6, classes: int = 3, seed: int = 0):
    """A linearly separable-ish classification problem as float32 inputs and int64 labels."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (x @ rng.normal(size=(features, classes))).argmax(1).astype(np.int64)
    return x, y


def split(x, y, train: int):
    return (x[:train], y[:train]), (x[train:], y[train:])


def mlp(features: int = 6, classes: int = 3, hidden: int = 16, dropout: float = 0.3) -> nn.Module:
    layers = [nn.Linear(features, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(hidden, classes))
    return nn.Sequential(*layers)


def make_learner(callbacks=(), seed: int = 1, n: int = 240, train: int = 192, **kwargs) -> Learner:
    """A seeded Learner on blobs with a dropout MLP; batch size 32 unless given."""
    ff.manual_seed(seed)
    model = mlp()
    train_data, valid_data = split(*blobs(n), train)
    kwargs.setdefault("batch_size", 32)
    kwargs.setdefault("quiet", True)
    return Learner(model, train_data, valid_data, callbacks=list(callbacks), seed=seed, **kwargs)


def weights(model) -> list[np.ndarray]:
    return [p._data.copy() for p in model.parameters()]


def same_weights(a, b) -> bool:
    wa, wb = weights(a), weights(b)
    return len(wa) == len(wb) and all(np.array_equal(x, y) for x, y in zip(wa, wb))


def without_time(history) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "time"} for r in history]


class Log(Callback):
    """Records (hook, epoch, iter, training) for every hook it is given."""

    def __init__(self, hooks, order: int = 0, name: str = "log", out: list | None = None):
        self.order = order
        self.events = [] if out is None else out
        for hook in hooks:
            setattr(self, hook, self._recorder(hook, name))

    def _recorder(self, hook: str, name: str):
        def record(learn):
            self.events.append((name, hook))

        return record
