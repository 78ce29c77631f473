"""The in-place random fills (feedforward/_sampling.py) against torch: the same dtypes, ranges,
warnings and errors, and the same distributions (moments of 200k draws; the numbers differ)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch

import feedforward as ff

N = 200_000


def test_random_ranges_as_torch():
    ff.manual_seed(0)
    for dtype in ("float32", "float64", "int64", "int8", "uint8", "bool"):
        for args in ((), (2,), (7,), (-3, 4)):
            if dtype == "bool" and args not in ((), (2,)) or dtype == "uint8" and args == (-3, 4):
                continue  # (out of their range: tested below)
            ours = ff.empty(20_000, dtype=getattr(ff, dtype)).random_(*args).numpy()
            theirs = torch.empty(20_000, dtype=getattr(torch, dtype)).random_(*args).numpy()
            assert ours.dtype == theirs.dtype
            if args:  # every integer of [from, to) shows up, and nothing else
                assert set(np.unique(ours)) == set(np.unique(theirs)) == set(range(*args))
            else:  # 0 up to the dtype's exact integers (2^24 for float32)
                high = {"float32": 2**24, "float64": 2**53, "bool": 1}.get(dtype)
                high = high or np.iinfo(dtype).max
                assert ours.min() >= 0 and ours.max() <= high
                assert ours.max() > high * 0.99  # the whole range, not a part of it


@pytest.mark.parametrize(
    "call, mean, std",
    [
        (lambda x: x.exponential_(2.0), 0.5, 0.5),
        (lambda x: x.geometric_(0.25), 4.0, np.sqrt(0.75) / 0.25),
        (
            lambda x: x.log_normal_(0.0, 0.5),
            np.exp(0.125),
            np.sqrt((np.exp(0.25) - 1) * np.exp(0.25)),
        ),
    ],
)
def test_distributions_have_torchs_moments(call, mean, std):
    ff.manual_seed(0)
    for lib in (ff, torch):
        values = call(lib.empty(N, dtype=lib.float64)).numpy()
        assert values.mean() == pytest.approx(mean, rel=0.02)
        assert values.std() == pytest.approx(std, rel=0.03)


def test_cauchy_quartiles():
    ff.manual_seed(0)
    for lib in (ff, torch):  # median 3, quartiles at median -/+ sigma
        values = lib.empty(N).cauchy_(3.0, 2.0).numpy()
        assert np.quantile(values, [0.25, 0.5, 0.75]) == pytest.approx([1.0, 3.0, 5.0], abs=0.05)


def test_geometric_of_integers_counts_trials():
    ff.manual_seed(0)
    values = ff.empty(10_000, dtype=ff.int64).geometric_(0.5).numpy()
    assert values.dtype == np.int64 and values.min() == 1


BAD = [
    lambda L: L.empty(3, dtype=L.long).log_normal_(),
    lambda L: L.empty(3, dtype=L.long).cauchy_(),
    lambda L: L.empty(3, dtype=L.long).exponential_(),
    lambda L: L.empty(3, dtype=L.int8).random_(0, 200),
    lambda L: L.empty(3, dtype=L.uint8).random_(-1, 2),
    lambda L: L.empty(3, dtype=L.bool).random_(0, 3),
    lambda L: L.empty(3, dtype=L.bool).geometric_(0.5),
    lambda L: L.empty(3).exponential_(0),
    lambda L: L.empty(3).geometric_(1),
    lambda L: L.empty(3).log_normal_(0, -1),
    lambda L: L.empty(3).cauchy_(0, 0),
    lambda L: L.empty(3).random_(5, 2),
    lambda L: L.ones(3, requires_grad=True).random_(),
    lambda L: L.ones(3, requires_grad=True).exponential_(),
]


@pytest.mark.parametrize("call", BAD)
def test_bad_parameters_raise_torchs_errors(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type) as ours:
        call(ff)
    assert str(ours.value) == str(theirs.value)


def test_random_beyond_floats_exact_integers_warns_as_torch():
    for args in ((0, 2**25), (-(2**25), 0)):
        caught = []
        for lib in (ff, torch):
            with warnings.catch_warnings(record=True) as record:
                warnings.simplefilter("always")
                lib.empty(3).random_(*args)
            caught.append(
                [re.sub(r" \(Triggered internally.*", "", str(w.message)) for w in record]
            )
        assert caught[0] == caught[1] and len(caught[0]) == 1


def test_random_wants_integers():
    for lib in (ff, torch):
        with pytest.raises(TypeError):
            lib.empty(3).random_(2.5)
