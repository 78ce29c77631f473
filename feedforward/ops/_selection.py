"""Which of several equal elements torch's CPU kernels pick, replayed so ours pick the same.

kthvalue, mode, nanmedian (and the gradients of msort and quantile) return or route to one
element among equal ones, and which one is whatever torch's selection or sort left in that place:

- kthvalue: TH's quickselect (Sedgewick's, median of three), NaN ranked above everything;
- mode: ``std::sort`` of (value, index) pairs compared by value alone, then the last pair of the
  longest run; with NaN the comparison is no ordering at all, so the value depends on it too;
- nanmedian along a dim: ``std::nth_element`` over indices, a total order except among NaNs, so
  only a row that is all NaN needs it;
- sort (msort, quantile): ``std::sort`` of (value, index) pairs, NaN last; equal values end up
  in the order introsort leaves them (insertion sort, so stable, up to 16 elements).

The C++ standard library here is libstdc++ (torch's Linux wheels): its introsort (median of three
moved to the front, unguarded partition, depth limit 2 log2 n then heapsort, insertion sort below
16 elements) and introselect (insertion sort below 4). Each row that needs it is replayed in
Python, so the common case (no ties where they matter) stays in NumPy.
"""

from __future__ import annotations

import functools

import numpy as np

_THRESHOLD = 16  # libstdc++'s _S_threshold: introsort leaves runs this short to insertion sort


# ---------------------------------------------------------------- libstdc++ std::sort


def _median_to_first(a: list, result: int, x: int, y: int, z: int, less) -> None:
    if less(a[x], a[y]):
        if less(a[y], a[z]):
            a[result], a[y] = a[y], a[result]
        elif less(a[x], a[z]):
            a[result], a[z] = a[z], a[result]
        else:
            a[result], a[x] = a[x], a[result]
    elif less(a[x], a[z]):
        a[result], a[x] = a[x], a[result]
    elif less(a[y], a[z]):
        a[result], a[z] = a[z], a[result]
    else:
        a[result], a[y] = a[y], a[result]


def _partition_pivot(a: list, first: int, last: int, less) -> int:
    """Median of three moved to ``first``, then the unguarded Hoare partition around it."""
    _median_to_first(a, first, first + 1, first + (last - first) // 2, last - 1, less)
    pivot, lo, hi = a[first], first + 1, last
    while True:
        while less(a[lo], pivot):
            lo += 1
        hi -= 1
        while less(pivot, a[hi]):
            hi -= 1
        if lo >= hi:
            return lo
        a[lo], a[hi] = a[hi], a[lo]
        lo += 1


def _sift(a: list, base: int, hole: int, length: int, value, less) -> None:
    """libstdc++'s __adjust_heap then __push_heap: a max-heap of ``length`` at ``base``."""
    top, child = hole, hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(a[base + child], a[base + child - 1]):
            child -= 1
        a[base + hole] = a[base + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[base + hole] = a[base + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and less(a[base + parent], value):
        a[base + hole] = a[base + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[base + hole] = value


def _make_heap(a: list, first: int, last: int, less) -> None:
    length = last - first
    for parent in range((length - 2) // 2, -1, -1):
        _sift(a, first, parent, length, a[first + parent], less)


def _pop_heap(a: list, first: int, last: int, result: int, less) -> None:
    value, a[result] = a[result], a[first]
    _sift(a, first, 0, last - first, value, less)


def _heap_select(a: list, first: int, middle: int, last: int, less) -> None:
    _make_heap(a, first, middle, less)
    for i in range(middle, last):
        if less(a[i], a[first]):
            _pop_heap(a, first, middle, i, less)


def _insertion_sort(a: list, first: int, last: int, less, guarded: bool = True) -> None:
    for i in range(first + 1 if guarded else first, last):
        value = a[i]
        if guarded and less(value, a[first]):
            a[first + 1 : i + 1] = a[first:i]
            a[first] = value
            continue
        j = i
        while j > 0 and less(value, a[j - 1]):  # (unguarded in C++: the partitions bound it)
            a[j] = a[j - 1]
            j -= 1
        a[j] = value


def _introsort_loop(a: list, first: int, last: int, depth: int, less) -> None:
    while last - first > _THRESHOLD:
        if depth == 0:  # heapsort what is left
            _heap_select(a, first, last, last, less)
            while last - first > 1:
                last -= 1
                _pop_heap(a, first, last, last, less)
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, less)
        _introsort_loop(a, cut, last, depth, less)
        last = cut


def std_sort(a: list, less) -> None:
    """``std::sort(a.begin(), a.end(), less)`` as libstdc++ does it, in place."""
    n = len(a)
    if n < 2:
        return
    _introsort_loop(a, 0, n, 2 * (n.bit_length() - 1), less)
    if n > _THRESHOLD:
        _insertion_sort(a, 0, _THRESHOLD, less)
        _insertion_sort(a, _THRESHOLD, n, less, guarded=False)
    else:
        _insertion_sort(a, 0, n, less)


def nth_element(a: list, nth: int, less) -> None:
    """``std::nth_element`` as libstdc++ does it (introselect), in place."""
    first, last = 0, len(a)
    depth = 2 * (last.bit_length() - 1) if last else 0
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last, less)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, less)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last, less)


# ---------------------------------------------------------------- the orders torch's kernels use


def _nan_last_less(x: tuple, y: tuple) -> bool:
    """torch's sort comparator (KeyValueCompAsc) on (value, index) pairs: NaN above all."""
    return (x[0] == x[0] and y[0] != y[0]) or x[0] < y[0]


def _by_value(x: tuple, y: tuple) -> bool:
    """mode's comparator: the values' ``<`` alone (False both ways with a NaN)."""
    return x[0] < y[0]


def _gt_or_nan(x, y) -> bool:
    return (x != x and y == y) or x > y


def _tied(rows: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per row: does the stable order put two equal values (or two NaNs) side by side?"""
    s = np.take_along_axis(rows, order, axis=-1)
    same = s[..., 1:] == s[..., :-1]
    if s.dtype.kind == "f":
        same |= np.isnan(s[..., 1:]) & np.isnan(s[..., :-1])
    return same.any(axis=-1)


def sort_order(rows: np.ndarray) -> np.ndarray:
    """The permutation torch's (non-stable) CPU sort gives along the last axis, NaN last."""
    order = np.argsort(rows, axis=-1, kind="stable")
    if rows.shape[-1] <= _THRESHOLD or not rows.size:
        return order  # insertion sort: stable
    flat, out = rows.reshape(-1, rows.shape[-1]), order.reshape(-1, rows.shape[-1])
    for r in np.flatnonzero(_tied(flat, out)):
        pairs = list(zip(flat[r].tolist(), range(flat.shape[1])))
        std_sort(pairs, _nan_last_less)
        out[r] = [i for _, i in pairs]
    return order


def _quickselect(values: list, k: int) -> int:
    """Where TH's quickselect (torch's kthvalue) finds the k-th smallest (0-based k): an index."""
    arr, idx = values, list(range(len(values)))

    def swap(i, j):
        arr[i], arr[j] = arr[j], arr[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(arr) - 1
    while hi > lo:
        if hi == lo + 1:
            if _gt_or_nan(arr[lo], arr[hi]):
                swap(lo, hi)
            break
        swap((lo + hi) >> 1, lo + 1)
        if _gt_or_nan(arr[lo + 1], arr[hi]):
            swap(lo + 1, hi)
        if _gt_or_nan(arr[lo], arr[hi]):
            swap(lo, hi)
        if _gt_or_nan(arr[lo + 1], arr[lo]):
            swap(lo + 1, lo)
        i, j, pivot = lo + 1, hi, arr[lo]
        while True:
            i += 1
            while _gt_or_nan(pivot, arr[i]):
                i += 1
            j -= 1
            while _gt_or_nan(arr[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return idx[k]


def kthvalue_indices(rows: np.ndarray, k: int) -> np.ndarray:
    """Per row of a (rows, n) array, the index torch's kthvalue returns for the k-th smallest
    (1-based k, NaN largest). Where that value is unique in its row it is simply its index."""
    idx = np.argpartition(rows, k - 1, axis=1)[:, k - 1]
    value = rows[np.arange(len(rows)), idx][:, None]
    equal = rows == value
    if rows.dtype.kind == "f":
        equal |= np.isnan(rows) & np.isnan(value)
    for r in np.flatnonzero(equal.sum(axis=1) > 1):
        idx[r] = _quickselect(rows[r].tolist(), k - 1)
    return idx


def mode_of_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a (rows, n) array, torch's mode: the value of the first longest run of equal
    values in std::sort's order (the smallest most frequent value, where no NaN breaks the
    ordering) and the index of that run's last element."""
    n = rows.shape[1]
    s = np.sort(rows, axis=1)
    starts = np.ones(s.shape, dtype=bool)
    starts[:, 1:] = s[:, 1:] != s[:, :-1]  # NaN != NaN: a NaN is a run of its own
    run = np.cumsum(starts, axis=1)  # which run each sorted element is in, from 1
    length = np.zeros((len(rows), n + 1), dtype=np.int64)
    np.add.at(length, (np.arange(len(rows))[:, None], run), 1)
    best = np.argmax(length, axis=1)  # the first longest run
    first = np.argmax(run == best[:, None], axis=1)
    values = s[np.arange(len(rows)), first]
    equal = rows == values[:, None]
    # up to 16 elements std::sort is an insertion sort, stable: the run ends at the last copy
    indices = n - 1 - np.argmax(equal[:, ::-1], axis=1)
    replay = np.isnan(rows).any(axis=1) if rows.dtype.kind == "f" else np.zeros(len(rows), bool)
    if n > _THRESHOLD:
        replay |= equal.sum(axis=1) > 1
    for r in np.flatnonzero(replay):
        pairs = list(zip(rows[r].tolist(), range(n)))
        std_sort(pairs, _by_value)
        run_length, longest = 0, 0
        for i, (v, j) in enumerate(pairs):
            run_length += 1
            if i == n - 1 or v != pairs[i + 1][0]:
                if run_length > longest:
                    values[r], indices[r], longest = v, j, run_length
                run_length = 0
    return values, indices


@functools.lru_cache(maxsize=256)
def _first_of_equals(n: int) -> int:
    """Where std::nth_element leaves index 0's place among n elements that all compare equal."""
    idx = list(range(n))
    nth_element(idx, 0, lambda i, j: False)
    return idx[0]


def nanmedian_indices(rows: np.ndarray) -> np.ndarray:
    """Per row of a (rows, n) array, the index torch's nanmedian returns: the lower median of
    the non-NaN values, ties broken by index (its comparator's); a row of NaNs only gives
    whichever NaN nth_element leaves first."""
    n = rows.shape[1]
    nan = np.isnan(rows) if rows.dtype.kind == "f" else np.zeros(rows.shape, bool)
    count = n - nan.sum(axis=1)
    order = np.argsort(rows, axis=1, kind="stable")  # NaN last, ties by index
    nth = np.maximum(count - 1, 0) // 2
    idx = order[np.arange(len(rows)), nth]
    idx[count == 0] = _first_of_equals(n)
    return idx
