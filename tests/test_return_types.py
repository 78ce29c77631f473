"""The (values, indices) named tuples against torch.return_types: made from one sequence, the
fields by name, printed one a line, and they pickle."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch

import feedforward as ff
from feedforward import return_types


def test_every_type_is_torchs():
    for name in return_types.__all__:
        assert hasattr(torch.return_types, name), name
        assert getattr(return_types, name).__name__ == name


CALLS = {
    "max": lambda lib, x: lib.max(x, 1),
    "min": lambda lib, x: x.min(0),
    "median": lambda lib, x: x.median(1),
    "sort": lambda lib, x: lib.sort(x),
    "topk": lambda lib, x: x.topk(2),
    "cummax": lambda lib, x: x.cummax(1),
    "cummin": lambda lib, x: lib.cummin(x, 0),
    "kthvalue": lambda lib, x: lib.kthvalue(x, 2),
    "mode": lambda lib, x: x.mode(0),
    "nanmedian": lambda lib, x: lib.nanmedian(x, 1),
    "aminmax": lambda lib, x: x.aminmax(dim=1),
    "histogram": lambda lib, x: lib.histogram(x, 3),
}


@pytest.mark.parametrize("name", CALLS)
def test_results_print_as_torchs(name):
    data = [[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]]
    ours, theirs = (CALLS[name](lib, lib.tensor(data)) for lib in (ff, torch))
    assert type(ours).__name__ == type(theirs).__name__ == name
    assert repr(ours).replace("feedforward.", "") == repr(theirs).replace("torch.", "")
    first, second = ours  # (values, indices), (min, max) or (hist, bin_edges)
    fields = type(ours).__match_args__  # (what both name their fields by)
    assert fields == type(theirs).__match_args__
    assert first is getattr(ours, fields[0]) is ours[0]
    assert second is getattr(ours, fields[1]) is ours[1]


def test_made_from_one_sequence_as_torch():
    for lib in (ff, torch):
        made = lib.return_types.max((1, 2))
        assert tuple(made) == (1, 2) and made.values == 1 and made.indices == 2
        assert isinstance(made, tuple)
    with pytest.raises(TypeError, match=r"takes a 2-sequence \(3-sequence given\)"):
        ff.return_types.max((1, 2, 3))
    with pytest.raises(TypeError, match="constructor requires a sequence"):
        ff.return_types.max(5)


def test_copy_and_pickle_keep_the_type():
    result = ff.max(ff.tensor([[1.0, 5.0], [7.0, 2.0]]), 1)
    for again in (copy.deepcopy(result), copy.copy(result)):
        assert type(again) is return_types.max
        assert again.values.tolist() == [5.0, 7.0] and again.indices.tolist() == [1, 0]
    # (tensors never pickle: ff.save writes them; the tuple itself does)
    numbers = pickle.loads(pickle.dumps(return_types.sort_out((1.5, 2))))
    assert type(numbers) is return_types.sort_out and numbers == (1.5, 2)
