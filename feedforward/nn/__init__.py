"""Neural-network building blocks: ``Module``, ``Parameter``, layers, ``init`` and ``functional``.

Mirrors ``torch.nn``: ``from feedforward import nn`` then ``nn.Linear(784, 10)``. The layers,
activations and losses live one concept per file in ``feedforward/nn/modules/``.
"""

from feedforward.nn import functional, init, utils
from feedforward.nn.module import Module
from feedforward.nn.modules import *
from feedforward.nn.modules import __all__ as _modules
from feedforward.nn.parameter import Buffer, Parameter

__all__ = ["Module", "Parameter", "Buffer", *_modules, "functional", "init", "utils"]
