"""``import feedforward as ff`` offers torch's names and no others (bar its own submodules), so a
name that works on ff works on torch too, and a tutorial's ``torch.X`` is ``ff.X``."""

from __future__ import annotations

import types

import torch

import feedforward as ff


def test_every_public_name_is_torchs():
    extra = [
        name
        for name in dir(ff)
        if not name.startswith("_")
        and not hasattr(torch, name)
        and not isinstance(getattr(ff, name), types.ModuleType)
    ]
    assert extra == []


def test_the_functions_are_torchs_kind_of_thing():
    """A function of ff is a function (or class) of torch: no helper leaks in under a torch name
    that means something else there."""
    for name in dir(ff):
        value = getattr(ff, name)
        if name.startswith("_") or isinstance(value, types.ModuleType) or not callable(value):
            continue
        theirs = getattr(torch, name)
        if isinstance(theirs, types.ModuleType):  # ff.cuda, ff.accelerator: namespaces as classes
            continue
        assert callable(theirs), name
