"""Networks and data for the diagnostics tests: healthy nets and nets with real pathologies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import feedforward as ff
from feedforward import nn

REPO = Path(__file__).parents[2]
# the real Fashion-MNIST files: ../shared/datasets beside the checkout
SHARED = REPO.parent / "shared" / "datasets"


def synthetic(n: int = 1024, features: int = 32, classes: int = 4, seed: int = 0):
    """A learnable classification problem: the class is the input's longest projection."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    directions = rng.standard_normal((features, classes)).astype(np.float32)
    y = (x @ directions).argmax(axis=1).astype(np.int64)
    return ff.tensor(x), ff.tensor(y)


_FASHION: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def fashion_arrays(n: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` Fashion-MNIST training images as float32 pixels in [0, 255], flattened,
    and their labels (skips the test when the files are absent)."""
    if n not in _FASHION:
        if not (SHARED / "fashion-mnist").is_dir():
            pytest.skip(f"Fashion-MNIST not found in {SHARED}")
        from feedforward.datasets import FashionMNIST

        ds = FashionMNIST(root=SHARED, train=True)
        x = ds.data.numpy()[:n].reshape(n, -1).astype(np.float32)
        y = ds.targets.numpy()[:n].astype(np.int64)
        _FASHION[n] = (x, y)
    return _FASHION[n]


def fashion(n: int = 4096, normalise: bool = True):
    """Fashion-MNIST as tensors, normalised by the training mean/std (or raw 0-255 pixels)."""
    x, y = fashion_arrays(n)
    if normalise:
        x = (x - x.mean()) / x.std()
    return ff.tensor(x), ff.tensor(y)


def mlp(sizes, act=nn.ReLU, init=None, *, norm=None, dropout: float = 0.0) -> nn.Sequential:
    """Linear layers of ``sizes`` with ``act`` between them (optionally a norm layer before the
    activation and dropout after it); ``init(linear)`` initialises each Linear."""
    layers: list[nn.Module] = []
    pairs = list(zip(sizes[:-1], sizes[1:]))
    for i, (a, b) in enumerate(pairs):
        linear = nn.Linear(a, b)
        if init is not None:
            init(linear)
        layers.append(linear)
        if i < len(pairs) - 1:
            if norm is not None:
                layers.append(norm(b))
            layers.append(act())
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def linears(model: nn.Module) -> list[nn.Linear]:
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def init_with(fn):
    """``init(linear)`` applying ``fn(weight)`` and zeroing the bias."""

    def init(linear: nn.Linear) -> None:
        fn(linear.weight)
        nn.init.zeros_(linear.bias)

    return init


kaiming_relu = init_with(lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"))
kaiming_tanh = init_with(lambda w: nn.init.kaiming_normal_(w, nonlinearity="tanh"))
xavier = init_with(nn.init.xavier_normal_)
normal01 = init_with(nn.init.normal_)


def reinit(model: nn.Module, init) -> nn.Module:
    """Apply ``init`` to every Linear of ``model`` (the suggested-fix step of a test)."""
    for linear in linears(model):
        init(linear)
    return model


def params_of(model: nn.Module) -> dict[str, np.ndarray]:
    return {n: p.detach().numpy().copy() for n, p in model.named_parameters()}
