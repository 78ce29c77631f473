"""Neural-network building blocks: ``Module``, ``Parameter``, layers, ``init`` and ``functional``.

Mirrors ``torch.nn``: ``from feedforward import nn`` then ``nn.Linear(784, 10)``.
"""

from feedforward.nn import init, utils
from feedforward.nn.module import Module
from feedforward.nn.modules.container import (
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from feedforward.nn.modules.flatten import Flatten, Unflatten
from feedforward.nn.modules.linear import Identity, Linear
from feedforward.nn.modules.sparse import Embedding
from feedforward.nn.parameter import Buffer, Parameter

__all__ = [
    "Module",
    "Parameter",
    "Buffer",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "ParameterList",
    "ParameterDict",
    "Identity",
    "Linear",
    "Flatten",
    "Unflatten",
    "Embedding",
    "init",
    "utils",
]
