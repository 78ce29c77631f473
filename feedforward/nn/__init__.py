"""Neural-network building blocks: ``Module``, ``Parameter``, layers, ``init`` and ``functional``.

Mirrors ``torch.nn``: ``from feedforward import nn`` then ``nn.Linear(784, 10)``.
"""

from feedforward.nn import functional, init, utils
from feedforward.nn.module import Module
from feedforward.nn.modules.activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from feedforward.nn.modules.batchnorm import (
    BatchNorm1d,
    BatchNorm2d,
)
from feedforward.nn.modules.container import (
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from feedforward.nn.modules.dropout import (
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
)
from feedforward.nn.modules.flatten import (
    Flatten,
    Unflatten,
)
from feedforward.nn.modules.linear import (
    Identity,
    Linear,
)
from feedforward.nn.modules.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from feedforward.nn.modules.normalization import (
    LayerNorm,
    RMSNorm,
)
from feedforward.nn.modules.sparse import (
    Embedding,
)
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
    "ReLU",
    "ReLU6",
    "LeakyReLU",
    "ELU",
    "SELU",
    "CELU",
    "GELU",
    "SiLU",
    "Mish",
    "Softplus",
    "Sigmoid",
    "Tanh",
    "Hardtanh",
    "Hardsigmoid",
    "Hardswish",
    "Threshold",
    "PReLU",
    "LogSigmoid",
    "Softsign",
    "Tanhshrink",
    "GLU",
    "Softmax",
    "LogSoftmax",
    "Softmin",
    "BatchNorm1d",
    "BatchNorm2d",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "AlphaDropout",
    "L1Loss",
    "MSELoss",
    "HuberLoss",
    "SmoothL1Loss",
    "CrossEntropyLoss",
    "NLLLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "KLDivLoss",
    "LayerNorm",
    "RMSNorm",
    "functional",
    "init",
    "utils",
]
