"""The layers of ``feedforward.nn``, one family per file (re-exported by ``feedforward.nn``)."""

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

__all__ = [
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
]
