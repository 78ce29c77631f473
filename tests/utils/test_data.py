"""ff.utils.data against torch.utils.data: datasets, samplers, default_collate and the DataLoader.

Where the order is random the numbers differ from torch's (different RNG), so those tests check
sizes, coverage and reproducibility instead; everything deterministic is compared with torch.
"""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings
from hypothesis import strategies as st

import feedforward as ff
import feedforward.utils.data as fud
from feedforward.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)

Point = collections.namedtuple("Point", ["x", "y"])

# ---------------------------------------------------------------------- helpers


def assert_same(a, b, path="batch"):
    """``a`` (feedforward) has the structure, types, dtypes and values of ``b`` (torch)."""
    if isinstance(b, torch.Tensor):
        assert isinstance(a, ff.Tensor), f"{path}: {type(a).__name__} is not a Tensor"
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], f"{path}: dtype"
        assert tuple(a.shape) == tuple(b.shape), f"{path}: shape {a.shape} vs {b.shape}"
        np.testing.assert_array_equal(a.numpy(force=True), b.detach().numpy(), err_msg=path)
    elif isinstance(b, dict):
        assert type(a) is type(b) and list(a) == list(b), f"{path}: {a!r} vs {b!r}"
        for k in b:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(b, list | tuple):
        assert type(a) is type(b), f"{path}: {type(a).__name__} vs {type(b).__name__}"
        assert len(a) == len(b), f"{path}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    else:
        assert type(a) is type(b) and a == b, f"{path}: {a!r} vs {b!r}"


def same_error(ff_call, torch_call):
    """Both calls raise the same exception type with the same message."""
    with pytest.raises(Exception) as want:
        torch_call()
    with pytest.raises(type(want.value)) as got:
        ff_call()
    assert str(got.value) == str(want.value)


def labels(loader) -> list[list[int]]:
    """The label tensor of every batch of one epoch, as lists."""
    return [batch[1].tolist() for batch in loader]


def tensor_data(n: int, features: int = 3, seed: int = 0):
    """The same (x, y) data as an ff TensorDataset and a torch TensorDataset."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = np.arange(n, dtype=np.int64)
    fds = TensorDataset(ff.tensor(x), ff.tensor(y))
    tds = tud.TensorDataset(torch.tensor(x), torch.tensor(y))
    return fds, tds


class Wrapped(Dataset):
    """A dataset that is not a TensorDataset: the DataLoader must collate it sample by sample."""

    def __init__(self, inner):
        self.inner = inner

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        return self.inner[i]


class Samples(Dataset):
    """A map-style dataset of arbitrary samples (a list), built the same for ff and torch."""

    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


class Stream(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n, self.with_len = n, with_len

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.with_len:
            raise TypeError("no len")
        return self.n


class TorchStream(tud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


# ---------------------------------------------------------------------- datasets


def test_tensor_dataset_items_and_len():
    fds, tds = tensor_data(7)
    assert len(fds) == len(tds) == 7
    for i in (0, 3, -1):
        assert_same(fds[i], tds[i])
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(ff.zeros(3, 2), ff.zeros(4))


def test_subset_and_concat_match_torch():
    data = list(range(10, 20))
    fsub, tsub = Subset(data, [3, 0, 9]), tud.Subset(data, [3, 0, 9])
    assert [fsub[i] for i in range(3)] == [tsub[i] for i in range(3)]
    assert fsub.__getitems__([2, 0]) == tsub.__getitems__([2, 0])
    fcat = ConcatDataset([range(3), range(5), range(2)])
    tcat = tud.ConcatDataset([range(3), range(5), range(2)])
    assert len(fcat) == len(tcat) == 10 and fcat.cumulative_sizes == tcat.cumulative_sizes
    assert [fcat[i] for i in range(-10, 10)] == [tcat[i] for i in range(-10, 10)]
    same_error(lambda: fcat[-11], lambda: tcat[-11])
    same_error(lambda: ConcatDataset([]), lambda: tud.ConcatDataset([]))
    same_error(lambda: ConcatDataset([Stream(3)]), lambda: tud.ConcatDataset([TorchStream(3)]))
    added = Samples([1, 2]) + Samples([3])
    assert isinstance(added, ConcatDataset) and [added[i] for i in range(3)] == [1, 2, 3]


def test_subset_subclass_overriding_getitem_only_is_refused():
    def bad(base):
        class Bad(base):  # the same name for both: the message names the class
            def __getitem__(self, i):
                return 0

        return Bad

    same_error(lambda: bad(Subset)(range(3), [0]), lambda: bad(tud.Subset)(range(3), [0]))


def test_stack_and_chain_datasets():
    s = fud.StackDataset(range(3), [10, 11, 12])
    assert s[1] == tud.StackDataset(range(3), [10, 11, 12])[1] and len(s) == 3
    assert fud.StackDataset(a=range(2), b=range(2))[1] == {"a": 1, "b": 1}
    same_error(
        lambda: fud.StackDataset(range(2), range(3)), lambda: tud.StackDataset(range(2), range(3))
    )
    same_error(lambda: fud.StackDataset(), lambda: tud.StackDataset())
    chain = Stream(2) + Stream(3)
    assert list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5


# ---------------------------------------------------------------------- random_split

FRACTIONS = [
    [0.8, 0.1, 0.1],
    [0.5, 0.5],
    [1.0],
    [0.3, 0.3, 0.4],
    [0.25] * 4,
    [0.7, 0.3],
    [0.1] * 10,
    [0.33, 0.33, 0.34],
    [0.0, 1.0],
    [0.6, 0.2, 0.2],
]


@pytest.mark.parametrize("fractions", FRACTIONS, ids=str)
def test_random_split_sizes_match_torch(fractions):
    for n in [*range(0, 41), 97, 100, 1001, 60000]:
        with warnings.catch_warnings(record=True) as fw:
            warnings.simplefilter("always")
            ours = random_split(range(n), fractions, generator=ff.Generator().manual_seed(n))
        with warnings.catch_warnings(record=True) as tw:
            warnings.simplefilter("always")
            theirs = tud.random_split(range(n), fractions, generator=torch.Generator())
        assert [len(s) for s in ours] == [len(s) for s in theirs], n
        assert [str(w.message) for w in fw] == [str(w.message) for w in tw], n
        got = [i for s in ours for i in s]
        assert sorted(got) == list(range(n))  # disjoint and covering
        assert all(isinstance(s, Subset) for s in ours)


def test_random_split_integer_lengths_and_errors():
    ours = random_split(range(10), [3, 7])
    assert [len(s) for s in ours] == [3, 7]
    assert sorted([*ours[0], *ours[1]]) == list(range(10))
    same_error(lambda: random_split(range(10), [3, 6]), lambda: tud.random_split(range(10), [3, 6]))
    same_error(
        lambda: random_split(range(10), [1.5, -0.5]),
        lambda: tud.random_split(range(10), [1.5, -0.5]),
    )
    same_error(
        lambda: random_split(range(10), [0.5, 0.4]), lambda: tud.random_split(range(10), [0.5, 0.4])
    )


def test_random_split_reproducible_under_a_seed():
    def split(seed):
        return [
            s.indices
            for s in random_split(range(50), [0.6, 0.4], generator=ff.Generator().manual_seed(seed))
        ]

    assert split(3) == split(3)
    assert split(3) != split(4)
    ff.manual_seed(11)
    a = [s.indices for s in random_split(range(50), [25, 25])]
    ff.manual_seed(11)
    b = [s.indices for s in random_split(range(50), [25, 25])]
    assert a == b


# ---------------------------------------------------------------------- default_collate

COLLATE_CASES = {
    "float tensors": lambda L: [L.tensor([1.0, 2.0]), L.tensor([3.0, 4.0])],
    "int tensors 2d": lambda L: [L.tensor([[1, 2]]), L.tensor([[3, 4]])],
    "bool tensors": lambda L: [L.tensor([True]), L.tensor([False])],
    "0-d tensors": lambda L: [L.tensor(1.5), L.tensor(2.5)],
    "float64 tensors": lambda L: [L.tensor([1.0], dtype=L.float64)] * 3,
    "numpy float32": lambda L: [np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)],
    "numpy float64": lambda L: [np.arange(3.0), np.arange(3.0) + 1],
    "numpy int32": lambda L: [np.arange(3, dtype=np.int32)] * 2,
    "numpy uint8": lambda L: [np.arange(4, dtype=np.uint8).reshape(2, 2)] * 2,
    "numpy scalars f32": lambda L: [np.float32(1.5), np.float32(2)],
    "numpy scalars f64": lambda L: [np.float64(1.5), np.float64(2)],
    "numpy scalars int": lambda L: [np.int64(1), np.int64(7)],
    "numpy scalars bool": lambda L: [np.bool_(True), np.bool_(False)],
    "python floats": lambda L: [1.5, 2.25, -3.0],
    "python ints": lambda L: [1, 2, 3],
    "ints and floats": lambda L: [1, 2.5],
    "python bools": lambda L: [True, False],
    "strings": lambda L: ["a", "bc"],
    "bytes": lambda L: [b"a", b"b"],
    "tuples": lambda L: [(L.tensor([1.0]), 0, "x"), (L.tensor([2.0]), 1, "y")],
    "lists": lambda L: [[1, 2.0], [3, 4.0]],
    "dicts": lambda L: [{"img": L.zeros(2), "label": 1}, {"img": L.ones(2), "label": 0}],
    "ordered dicts": lambda L: [collections.OrderedDict(b=1, a=2.0)] * 2,
    "namedtuples": lambda L: [Point(L.tensor([1]), 2.0), Point(L.tensor([3]), 4.0)],
    "nested": lambda L: [
        {"a": [(1, np.ones(2)), {"s": "t"}]},
        {"a": [(2, np.zeros(2)), {"s": "u"}]},
    ],
}


@pytest.mark.parametrize("make", COLLATE_CASES.values(), ids=COLLATE_CASES.keys())
def test_default_collate_matches_torch(make):
    assert_same(default_collate(make(ff)), tud.default_collate(make(torch)))


@pytest.mark.parametrize("make", COLLATE_CASES.values(), ids=COLLATE_CASES.keys())
def test_default_convert_matches_torch(make):
    assert_same(fud.default_convert(make(ff)), tud.default_convert(make(torch)))
    for ours, theirs in zip(make(ff), make(torch)):
        assert_same(fud.default_convert(ours), tud.default_convert(theirs))


def test_default_collate_errors_match_torch():
    same_error(
        lambda: default_collate([ff.zeros(2), ff.zeros(3)]),
        lambda: tud.default_collate([torch.zeros(2), torch.zeros(3)]),
    )
    same_error(lambda: default_collate([[1, 2], [1]]), lambda: tud.default_collate([[1, 2], [1]]))
    same_error(
        lambda: default_collate([np.array(["a"])] * 2),
        lambda: tud.default_collate([np.array(["a"])] * 2),
    )
    same_error(lambda: default_collate([Wrapped] * 2), lambda: tud.default_collate([Wrapped] * 2))
    same_error(lambda: default_collate([None, None]), lambda: tud.default_collate([None, None]))
    same_error(lambda: default_collate([]), lambda: tud.default_collate([]))


def test_default_collate_keeps_the_graph():
    x = ff.randn(3, 2, requires_grad=True)
    out = default_collate([x[0], x[2]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 1], [0, 0], [1, 1]])


# ---------------------------------------------------------------------- samplers


def test_sequential_and_batch_samplers_match_torch():
    assert list(SequentialSampler(range(5))) == list(tud.SequentialSampler(range(5)))
    for n in range(0, 12):
        for bs in (1, 3, 5, 13):
            for drop in (False, True):
                ours = BatchSampler(SequentialSampler(range(n)), bs, drop)
                theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop)
                assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(BatchSampler([4, 2, 0], 2, False)) == [[4, 2], [0]]


def test_sampler_argument_errors_match_torch():
    pairs = [
        (lambda m: m.BatchSampler(range(3), 0, False)),
        (lambda m: m.BatchSampler(range(3), True, False)),
        (lambda m: m.BatchSampler(range(3), 2, 1)),
        (lambda m: m.RandomSampler(range(3), replacement=1)),
        (lambda m: m.RandomSampler(range(3), num_samples=0)),
        (lambda m: m.RandomSampler([])),
        (lambda m: m.WeightedRandomSampler([1.0], 0)),
        (lambda m: m.WeightedRandomSampler([1.0], 2, replacement=None)),
        (lambda m: m.WeightedRandomSampler([[1.0]], 2)),
    ]
    for make in pairs:
        same_error(lambda make=make: make(fud), lambda make=make: make(tud))


def test_random_sampler_permutations_and_replacement():
    g = ff.Generator().manual_seed(0)
    s = RandomSampler(range(10), generator=g)
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == list(range(10)) and first != second
    longer = list(RandomSampler(range(4), num_samples=10, generator=g))
    assert len(longer) == 10 and all(longer.count(i) in (2, 3) for i in range(4))
    assert sorted(longer[:8]) == sorted(list(range(4)) * 2)  # whole permutations first
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=g))
    assert len(drawn) == 50 and set(drawn) == {0, 1, 2}
    assert len(RandomSampler(range(3), True, 7)) == len(tud.RandomSampler(range(3), True, 7))


def test_subset_random_and_weighted_samplers():
    g = ff.Generator().manual_seed(1)
    idx = [5, 9, 2, 7]
    out = list(SubsetRandomSampler(idx, generator=g))
    assert sorted(out) == sorted(idx) and len(SubsetRandomSampler(idx)) == 4
    w = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=g))
    assert set(w) == {1, 3} and w.count(3) > w.count(1)
    no_repl = list(WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], 4, replacement=False, generator=g))
    assert sorted(no_repl) == [0, 1, 2, 3]


# ---------------------------------------------------------------------- DataLoader vs torch


@pytest.mark.parametrize("bs", [1, 3, 4, 7, 10, 11])
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_batches_match_torch(bs, drop_last):
    fds, tds = tensor_data(10)
    ours = list(DataLoader(fds, batch_size=bs, drop_last=drop_last))
    theirs = list(tud.DataLoader(tds, batch_size=bs, drop_last=drop_last))
    assert_same(ours, theirs)
    assert len(DataLoader(fds, batch_size=bs, drop_last=drop_last)) == len(theirs)
    assert_same(list(DataLoader(Wrapped(fds), batch_size=bs, drop_last=drop_last)), theirs)


def test_mixed_samples_batches_match_torch():
    def items(L):
        return [
            (np.full(2, i, np.float32), i, i / 2, f"s{i}", {"k": L.tensor([i])}) for i in range(7)
        ]

    ours = list(DataLoader(Samples(items(ff)), batch_size=3))
    theirs = list(tud.DataLoader(Samples(items(torch)), batch_size=3))
    assert_same(ours, theirs)


def test_batch_size_none_matches_torch():
    def items(L):
        return [(np.arange(3) + i, i, L.tensor([float(i)])) for i in range(4)]

    ours = list(DataLoader(Samples(items(ff)), batch_size=None))
    theirs = list(tud.DataLoader(Samples(items(torch)), batch_size=None))
    assert_same(ours, theirs)
    fds, tds = tensor_data(5)
    assert_same(list(DataLoader(fds, batch_size=None)), list(tud.DataLoader(tds, batch_size=None)))
    assert len(DataLoader(fds, batch_size=None)) == 5


def test_custom_collate_fn_matches_torch():
    fds, tds = tensor_data(6)

    def count_and_first(batch):
        return len(batch), batch[0]

    ours = list(DataLoader(fds, batch_size=4, collate_fn=count_and_first))
    theirs = list(tud.DataLoader(tds, batch_size=4, collate_fn=count_and_first))
    assert_same(ours, theirs)


def test_sampler_and_batch_sampler_options_match_torch():
    fds, tds = tensor_data(8)
    order = [5, 1, 7, 0, 2]
    assert_same(
        list(DataLoader(fds, batch_size=2, sampler=order)),
        list(tud.DataLoader(tds, batch_size=2, sampler=order)),
    )
    batches = [[3, 1], [0], [7, 6, 5]]
    ours = DataLoader(fds, batch_sampler=batches)
    theirs = tud.DataLoader(tds, batch_sampler=batches)
    assert_same(list(ours), list(theirs))
    assert len(ours) == len(theirs) == 3 and ours.batch_size is None and not ours.drop_last
    bsamp = BatchSampler(SequentialSampler(range(8)), 3, True)
    assert_same(
        list(DataLoader(fds, batch_sampler=bsamp)),
        list(tud.DataLoader(tds, batch_sampler=tud.BatchSampler(range(8), 3, True))),
    )
    assert_same(
        list(DataLoader(fds, sampler=order, batch_size=None)),
        list(tud.DataLoader(tds, sampler=order, batch_size=None)),
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(shuffle=True, sampler=[0, 1]),
        dict(batch_sampler=[[0]], batch_size=2),
        dict(batch_sampler=[[0]], shuffle=True),
        dict(batch_sampler=[[0]], sampler=[0]),
        dict(batch_sampler=[[0]], drop_last=True),
        dict(batch_size=None, drop_last=True),
        dict(batch_size=0),
        dict(batch_size=-2),
        dict(num_workers=-1),
        dict(timeout=-1),
        dict(prefetch_factor=2),
        dict(num_workers=2, prefetch_factor=-1),
        dict(persistent_workers=True),
        dict(multiprocessing_context="spawn"),
        dict(num_workers=1, multiprocessing_context="nope"),
        dict(num_workers=1, multiprocessing_context=3),
    ],
    ids=str,
)
def test_option_errors_match_torch(kwargs):
    same_error(
        lambda: DataLoader(list(range(4)), **kwargs),
        lambda: tud.DataLoader(list(range(4)), **kwargs),
    )


@pytest.mark.parametrize(
    "kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])], ids=str
)
def test_iterable_dataset_option_errors_match_torch(kwargs):
    same_error(
        lambda: DataLoader(Stream(3), **kwargs), lambda: tud.DataLoader(TorchStream(3), **kwargs)
    )


def test_attributes_are_frozen_like_torch():
    ours, theirs = DataLoader(range(3)), tud.DataLoader(range(3))
    for attr in ("batch_size", "sampler", "dataset", "drop_last"):
        same_error(lambda a=attr: setattr(ours, a, 2), lambda a=attr: setattr(theirs, a, 2))
    ours.collate_fn = list  # not frozen
    assert list(ours) == [[0], [1], [2]]


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("bs", [None, 1, 2, 4, 7])
def test_iterable_dataset_batches_and_len_match_torch(bs, drop_last):
    if bs is None and drop_last:
        return
    ours = DataLoader(Stream(7), batch_size=bs, drop_last=drop_last)
    theirs = tud.DataLoader(TorchStream(7), batch_size=bs, drop_last=drop_last)
    assert_same(list(ours), list(theirs))
    assert len(ours) == len(theirs)


def test_len_matches_torch_for_many_sizes():
    for n in range(1, 30):
        for bs in (1, 2, 5, 8, 32):
            for drop in (False, True):
                for shuffle in (False, True):
                    ours = DataLoader(range(n), batch_size=bs, drop_last=drop, shuffle=shuffle)
                    theirs = tud.DataLoader(
                        range(n), batch_size=bs, drop_last=drop, shuffle=shuffle
                    )
                    assert len(ours) == len(theirs) == len(list(ours)), (n, bs, drop)


def test_workers_run_in_process_with_the_same_batches():
    calls = []
    fds, _ = tensor_data(9)
    ours = DataLoader(
        fds,
        batch_size=4,
        num_workers=3,
        worker_init_fn=calls.append,
        persistent_workers=True,
        timeout=5,
        prefetch_factor=4,
    )
    assert ours.prefetch_factor == 4 and DataLoader(fds, num_workers=2).prefetch_factor == 2
    assert labels(ours) == labels(DataLoader(fds, batch_size=4))
    assert calls == [] and fud.get_worker_info() is None


def test_pin_memory_warns_and_timeout_needs_workers_like_torch():
    with pytest.warns(UserWarning, match="pin_memory"):
        list(DataLoader(range(3), pin_memory=True))
    for loader in DataLoader(range(3), timeout=2), tud.DataLoader(range(3), timeout=2):
        with pytest.raises(AssertionError, match="timeout"):
            list(loader)


# ---------------------------------------------------------------------- shuffling


def test_shuffle_is_reproducible_from_the_generator():
    fds, _ = tensor_data(50)

    def epochs(seed, n=2):
        loader = DataLoader(
            fds, batch_size=8, shuffle=True, generator=ff.Generator().manual_seed(seed)
        )
        return [labels(loader) for _ in range(n)]

    a, b, c = epochs(0), epochs(0), epochs(1)
    assert a == b and a != c
    assert a[0] != a[1]  # a fresh permutation each epoch
    for epoch in a + c:
        assert sorted(i for batch in epoch for i in batch) == list(range(50))


def test_shuffle_without_generator_follows_manual_seed():
    fds, _ = tensor_data(30)
    loader = DataLoader(fds, batch_size=4, shuffle=True)
    ff.manual_seed(7)
    a = [labels(loader), labels(loader)]
    ff.manual_seed(7)
    b = [labels(loader), labels(loader)]
    ff.manual_seed(8)
    c = labels(loader)
    assert a == b and a[0] != a[1] and c != a[0]


# ---------------------------------------------------------------------- whole-array batching


def subset_chain(fds):
    inner = Subset(fds, list(range(40, 0, -2)))
    return Subset(inner, [3, 0, 7, 7, 19, 2, 11, 5, 1])


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("bs", [1, 5, 16, 64])
def test_fast_path_equals_slow_path(shuffle, drop_last, bs):
    fds, _ = tensor_data(45, features=4)
    for ds in (fds, Subset(fds, list(range(44, -1, -3))), subset_chain(fds)):
        kw = dict(batch_size=bs, shuffle=shuffle, drop_last=drop_last)
        fast = DataLoader(ds, generator=ff.Generator().manual_seed(3), **kw)
        slow = DataLoader(Wrapped(ds), generator=ff.Generator().manual_seed(3), **kw)
        for _ in range(2):
            got, want = list(fast), list(slow)
            assert len(got) == len(want) == len(fast)
            for g, w in zip(got, want):
                assert type(g) is list and len(g) == 2
                for a, b in zip(g, w):
                    assert a.dtype == b.dtype and a.shape == b.shape
                    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_fast_path_with_samplers_and_batch_samplers():
    fds, _ = tensor_data(20)
    g1, g2 = ff.Generator().manual_seed(5), ff.Generator().manual_seed(5)
    for make in (
        lambda g: dict(sampler=SubsetRandomSampler([1, 4, 9, 16, 2], generator=g), batch_size=2),
        lambda g: dict(sampler=WeightedRandomSampler([1.0] * 20, 9, generator=g), batch_size=4),
        lambda g: dict(sampler=RandomSampler(fds, True, 13, generator=g), batch_size=5),
        lambda g: dict(batch_sampler=[[3, 2], [19, 0, 0]]),
        lambda g: dict(sampler=[4, 3, 2], batch_size=2),
    ):
        assert labels(DataLoader(fds, **make(g1))) == labels(DataLoader(Wrapped(fds), **make(g2)))


def test_fast_path_does_not_collate_sample_by_sample(monkeypatch):
    fds, _ = tensor_data(10)

    def refuse(*args):
        raise AssertionError("sample-by-sample access")

    monkeypatch.setattr(TensorDataset, "__getitem__", refuse)
    monkeypatch.setattr(fud._collate, "collate", refuse)
    assert len(list(DataLoader(fds, batch_size=3, shuffle=True))) == 4
    assert len(list(DataLoader(Subset(fds, [1, 2, 3]), batch_size=2))) == 2


def test_fast_path_batches_are_copies():
    x = ff.arange(12.0).reshape(6, 2)
    loader = DataLoader(TensorDataset(x), batch_size=3)
    (batch,) = next(iter(loader))
    batch[0, 0] = 100.0
    assert x[0, 0].item() == 0.0


def test_tensors_that_require_grad_still_collate_with_grad():
    x = ff.randn(6, 2, requires_grad=True)
    (batch,) = next(iter(DataLoader(TensorDataset(x), batch_size=4)))
    assert batch.grad_fn is not None
    batch.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 1]] * 4 + [[0, 0]] * 2)


# ---------------------------------------------------------------------- property tests


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 120),
    bs=st.integers(1, 40),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_every_index_once_per_epoch(n, bs, drop_last, shuffle, seed):
    fds = TensorDataset(ff.arange(n))
    loader = DataLoader(
        fds,
        batch_size=bs,
        shuffle=shuffle,
        drop_last=drop_last,
        generator=ff.Generator().manual_seed(seed),
    )
    for _ in range(2):
        batches = [b[0].tolist() for b in loader]
        assert len(batches) == len(loader)
        seen = [i for b in batches for i in b]
        assert len(seen) == len(set(seen))
        if drop_last:
            assert all(len(b) == bs for b in batches) and len(seen) == n - n % bs
            assert set(seen) <= set(range(n))
        else:
            assert sorted(seen) == list(range(n))
            assert all(len(b) == bs for b in batches[:-1])
        if not shuffle:
            assert seen == list(range(len(seen)))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 60),
    bs=st.integers(1, 16),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
    data=st.data(),
)
def test_resume_at_any_position(n, bs, drop_last, shuffle, data):
    fds, _ = tensor_data(n)
    seed = data.draw(st.integers(0, 1000))
    mk = dict(batch_size=bs, shuffle=shuffle, drop_last=drop_last)
    full = DataLoader(fds, generator=ff.Generator().manual_seed(seed), **mk)
    want = [labels(full) for _ in range(3)]
    stop = data.draw(st.integers(0, len(full)))
    part = DataLoader(fds, generator=ff.Generator().manual_seed(seed), **mk)
    it = iter(part)
    head = [next(it)[1].tolist() for _ in range(stop)]
    state = part.state_dict()
    resumed = DataLoader(fds, generator=ff.Generator().manual_seed(seed + 1), **mk)
    resumed.load_state_dict(state)
    assert head + labels(resumed) == want[0]
    assert [labels(resumed), labels(resumed)] == want[1:]


# ---------------------------------------------------------------------- state_dict


def interrupted(make_loader, stop):
    """(state after `stop` batches, the rest of that epoch, the next two epochs) of one run."""
    loader = make_loader()
    it = iter(loader)
    for _ in range(stop):
        next(it)
    state = loader.state_dict()
    rest = [b[1].tolist() for b in it]
    return state, rest, [labels(loader), labels(loader)]


def test_resume_with_the_default_generator_and_a_checkpoint(tmp_path):
    fds, _ = tensor_data(37)

    def make():
        return DataLoader(fds, batch_size=5, shuffle=True)

    ff.manual_seed(123)
    state, rest, later = interrupted(make, 3)
    path = tmp_path / "loader.safetensors"
    ff.save({"loader": state}, path)
    ff.manual_seed(999)  # the resumed process starts elsewhere
    resumed = make()
    resumed.load_state_dict(ff.load(path)["loader"])
    assert labels(resumed) == rest and len(rest) == len(resumed) - 3
    assert [labels(resumed), labels(resumed)] == later


def test_resume_when_training_also_draws_from_the_default_generator():
    fds, _ = tensor_data(26)

    def train(loader, epochs, stop=None):
        """Labels and a dropout-like draw per batch; stops after `stop` batches of epoch one."""
        seen = []
        for _ in range(epochs):
            for i, (_, y) in enumerate(loader):
                seen.append((y.tolist(), ff.rand(1).item()))
                if stop is not None and i + 1 == stop:
                    return seen, loader.state_dict()
        return seen

    ff.manual_seed(5)
    want = train(DataLoader(fds, batch_size=4, shuffle=True), 3)
    ff.manual_seed(5)
    head, state = train(DataLoader(fds, batch_size=4, shuffle=True), 1, stop=3)
    ff.manual_seed(77)
    resumed = DataLoader(fds, batch_size=4, shuffle=True)
    resumed.load_state_dict(state)
    assert head + train(resumed, 3) == want


def test_state_holds_only_plain_values():
    fds, _ = tensor_data(10)
    loader = DataLoader(fds, batch_size=3, shuffle=True, generator=ff.Generator())
    it = iter(loader)
    next(it)
    state = loader.state_dict()
    assert state["batches_yielded"] == 1 and state["epoch_in_progress"] is True
    for value in state.values():
        assert type(value) in (int, bool) or (
            isinstance(value, ff.Tensor) and value.dtype == ff.uint8
        )


def test_resume_between_epochs_and_before_any():
    fds, _ = tensor_data(12)

    def make():
        return DataLoader(fds, batch_size=5, shuffle=True, generator=ff.Generator().manual_seed(4))

    ref = make()
    epochs = [labels(ref) for _ in range(3)]
    a = make()
    labels(a)  # one whole epoch
    state = a.state_dict()
    assert state["epoch_in_progress"] is False and state["batches_yielded"] == 0
    b = make()
    b.load_state_dict(state)
    assert [labels(b), labels(b)] == epochs[1:]
    fresh = make()
    fresh.load_state_dict(make().state_dict())
    assert labels(fresh) == epochs[0]


def test_resume_after_the_last_batch_yields_nothing_then_the_next_epoch():
    fds, _ = tensor_data(10)

    def make():
        return DataLoader(fds, batch_size=4, shuffle=True, generator=ff.Generator().manual_seed(2))

    state, rest, later = interrupted(make, 3)
    assert rest == [] and state["batches_yielded"] == 3
    resumed = make()
    resumed.load_state_dict(state)
    assert labels(resumed) == []
    assert labels(resumed) == later[0]


def test_state_dict_of_a_resumed_loader_before_iterating():
    fds, _ = tensor_data(20)

    def make():
        return DataLoader(fds, batch_size=3, shuffle=True, generator=ff.Generator().manual_seed(9))

    state, rest, _ = interrupted(make, 2)
    a = make()
    a.load_state_dict(state)
    b = make()
    b.load_state_dict(a.state_dict())
    assert labels(b) == rest


@pytest.mark.parametrize(
    "kind",
    [
        "sequential",
        "subset_random",
        "weighted",
        "replacement",
        "batch_size_none",
        "wrapped",
        "iterable",
    ],
)
def test_resume_with_other_samplers_and_datasets(kind):
    fds, _ = tensor_data(23)

    def make():
        g = ff.Generator().manual_seed(6)
        if kind == "sequential":
            return DataLoader(fds, batch_size=4)
        if kind == "subset_random":
            return DataLoader(fds, batch_size=3, sampler=SubsetRandomSampler(range(0, 23, 2), g))
        if kind == "weighted":
            return DataLoader(
                fds, batch_size=2, sampler=WeightedRandomSampler([1.0] * 23, 9, generator=g)
            )
        if kind == "replacement":
            return DataLoader(fds, batch_size=4, sampler=RandomSampler(fds, True, 30, g))
        if kind == "batch_size_none":
            return DataLoader(fds, batch_size=None, shuffle=True, generator=g)
        if kind == "wrapped":
            return DataLoader(Wrapped(fds), batch_size=5, shuffle=True, generator=g)
        return DataLoader(Samples(list(range(23))), batch_size=4, shuffle=True, generator=g)

    def epoch(loader):
        return [b[1].tolist() if isinstance(b, list | tuple) else b.tolist() for b in loader]

    ref = make()
    want = [epoch(ref) for _ in range(2)]
    part = make()
    it = iter(part)
    head = [next(it) for _ in range(2)]
    state = part.state_dict()
    resumed = make()
    resumed.load_state_dict(state)
    assert len(head) == 2 and epoch(resumed) == want[0][2:]
    assert epoch(resumed) == want[1]


def test_resume_iterable_dataset():
    loader = DataLoader(Stream(11), batch_size=3)
    it = iter(loader)
    next(it)
    state = loader.state_dict()
    assert "generator_state" not in state
    resumed = DataLoader(Stream(11), batch_size=3)
    resumed.load_state_dict(state)
    assert [b.tolist() for b in resumed] == [[3, 4, 5], [6, 7, 8], [9, 10]]


def test_load_state_dict_errors():
    fds, _ = tensor_data(10)
    shuffled = DataLoader(fds, batch_size=3, shuffle=True)
    ordered = DataLoader(fds, batch_size=3)
    with pytest.raises(TypeError, match="expected a dict"):
        shuffled.load_state_dict([1])
    with pytest.raises(ValueError, match="batches_yielded"):
        shuffled.load_state_dict({"epoch_in_progress": False})
    with pytest.raises(ValueError, match="more than the 4 batches"):
        ordered.load_state_dict({"batches_yielded": 5, "epoch_in_progress": True})
    with pytest.raises(ValueError, match="non-negative int"):
        ordered.load_state_dict({"batches_yielded": -1, "epoch_in_progress": True})
    with pytest.raises(ValueError, match="fixed order"):
        shuffled.load_state_dict(ordered.state_dict())
    with pytest.raises(ValueError, match="random order"):
        ordered.load_state_dict(shuffled.state_dict())
    bad = dict(shuffled.state_dict(), epoch_in_progress=True)
    with pytest.raises(ValueError, match="epoch_generator_state"):
        shuffled.load_state_dict(bad)
