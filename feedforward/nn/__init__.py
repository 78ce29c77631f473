"""Neural-network building blocks: ``Module``, ``Parameter``, layers, ``init`` and ``functional``.

Mirrors ``torch.nn``: ``from feedforward import nn`` then ``nn.Linear(784, 10)``.
"""

from feedforward.nn.module import Module
from feedforward.nn.parameter import Buffer, Parameter

__all__ = ["Module", "Parameter", "Buffer"]
