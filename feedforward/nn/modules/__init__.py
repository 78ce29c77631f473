"""The layers of ``feedforward.nn``, one family per file (re-exported by ``feedforward.nn``).

Each family file lists its public classes in its own ``__all__``; this package re-exports them.
"""

from feedforward.nn.modules import (
    activation,
    batchnorm,
    container,
    distance,
    dropout,
    flatten,
    instancenorm,
    linear,
    loss,
    normalization,
    sparse,
)
from feedforward.nn.modules.activation import *
from feedforward.nn.modules.batchnorm import *
from feedforward.nn.modules.container import *
from feedforward.nn.modules.distance import *
from feedforward.nn.modules.dropout import *
from feedforward.nn.modules.flatten import *
from feedforward.nn.modules.instancenorm import *
from feedforward.nn.modules.linear import *
from feedforward.nn.modules.loss import *
from feedforward.nn.modules.normalization import *
from feedforward.nn.modules.sparse import *

__all__ = [
    *container.__all__,
    *linear.__all__,
    *flatten.__all__,
    *sparse.__all__,
    *activation.__all__,
    *batchnorm.__all__,
    *instancenorm.__all__,
    *dropout.__all__,
    *distance.__all__,
    *loss.__all__,
    *normalization.__all__,
]
