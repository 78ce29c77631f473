"""Optimizers (``ff.optim.SGD``, ``ff.optim.Adam``, ...) and learning-rate schedulers.

Same names, signatures, defaults and update rules as ``torch.optim``::

    opt = ff.optim.AdamW(model.parameters(), lr=1e-3)
    sched = ff.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    sched.step()
"""

from feedforward.optim import lr_scheduler, swa_utils
from feedforward.optim.adadelta import Adadelta
from feedforward.optim.adagrad import Adagrad
from feedforward.optim.adam import Adam
from feedforward.optim.adamax import Adamax
from feedforward.optim.adamw import AdamW
from feedforward.optim.asgd import ASGD
from feedforward.optim.lbfgs import LBFGS
from feedforward.optim.nadam import NAdam
from feedforward.optim.optimizer import Optimizer
from feedforward.optim.radam import RAdam
from feedforward.optim.rmsprop import RMSprop
from feedforward.optim.rprop import Rprop
from feedforward.optim.sgd import SGD

__all__ = [
    "ASGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "AdamW",
    "LBFGS",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "SGD",
    "lr_scheduler",
    "swa_utils",
]
