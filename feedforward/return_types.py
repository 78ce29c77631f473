"""The named tuples of the functions that return several tensors ((values, indices); aminmax:
(min, max), histogram: (hist, bin_edges); the decompositions' factors), as ``torch.return_types``.

``ff.max(x, dim=1)`` gives a ``return_types.max``: a tuple, so ``values, indices = ...`` works,
with the fields by name too (``.values``, ``.indices``); the same call with ``out=`` gives a
``return_types.max_out``. The decompositions name theirs as torch's too: ``ff.linalg.svd(A)``
gives a ``return_types.linalg_svd`` (U, S, Vh), ``ff.svd(A)`` a ``return_types.svd`` (U, S, V).
They print as torch's, one field a line::

    feedforward.return_types.max(
    values=tensor([3., 4.]),
    indices=tensor([1, 0]))
"""

from __future__ import annotations

from collections import namedtuple

__all__ = [
    "aminmax", "aminmax_out", "cummax", "cummax_out", "cummin", "cummin_out", "frexp", "frexp_out",
    "histogram",
    "histogram_out", "kthvalue", "kthvalue_out", "linalg_eigh", "linalg_eigh_out", "linalg_lstsq",
    "linalg_lstsq_out", "linalg_qr", "linalg_qr_out", "linalg_slogdet", "linalg_slogdet_out",
    "linalg_svd", "linalg_svd_out", "max", "max_out", "median", "median_out", "min", "min_out",
    "mode", "mode_out", "nanmedian", "nanmedian_out", "qr", "slogdet", "slogdet_out", "sort",
    "sort_out", "svd", "svd_out", "topk", "topk_out",
]  # fmt: skip


def _return_type(name: str, fields: tuple[str, ...] = ("values", "indices")) -> type:
    """A named tuple made, as torch's, from one sequence: ``max((values, indices))``."""

    def __new__(cls, sequence):
        if not isinstance(sequence, list | tuple):
            raise TypeError("constructor requires a sequence")
        if len(sequence) != len(fields):
            raise TypeError(
                f"feedforward.return_types.{name}() takes a {len(fields)}-sequence "
                f"({len(sequence)}-sequence given)"
            )
        return tuple.__new__(cls, sequence)

    def __repr__(self) -> str:
        items = ",\n".join(f"{field}={value!r}" for field, value in zip(self._fields, self))
        return f"feedforward.return_types.{name}(\n{items})"

    def __getnewargs__(self) -> tuple:  # for pickle and copy: the one sequence
        return (tuple(self),)

    # a subclass defined here, under its own name, so that it pickles and prints as ours
    namespace = dict(__new__=__new__, __repr__=__repr__, __getnewargs__=__getnewargs__)
    namespace.update(__slots__=(), __module__=__name__, __qualname__=name)
    return type(name, (namedtuple(name, fields),), namespace)


aminmax = _return_type("aminmax", ("min", "max"))
aminmax_out = _return_type("aminmax_out", ("min", "max"))
cummax = _return_type("cummax")
cummax_out = _return_type("cummax_out")
cummin = _return_type("cummin")
cummin_out = _return_type("cummin_out")
frexp = _return_type("frexp", ("mantissa", "exponent"))
frexp_out = _return_type("frexp_out", ("mantissa", "exponent"))
histogram = _return_type("histogram", ("hist", "bin_edges"))
histogram_out = _return_type("histogram_out", ("hist", "bin_edges"))
kthvalue = _return_type("kthvalue")
kthvalue_out = _return_type("kthvalue_out")
_EIGH, _QR, _SLOGDET = ("eigenvalues", "eigenvectors"), ("Q", "R"), ("sign", "logabsdet")
_LSTSQ = ("solution", "residuals", "rank", "singular_values")
linalg_eigh = _return_type("linalg_eigh", _EIGH)
linalg_eigh_out = _return_type("linalg_eigh_out", _EIGH)
linalg_lstsq = _return_type("linalg_lstsq", _LSTSQ)
linalg_lstsq_out = _return_type("linalg_lstsq_out", _LSTSQ)
linalg_qr = _return_type("linalg_qr", _QR)
linalg_qr_out = _return_type("linalg_qr_out", _QR)
linalg_slogdet = _return_type("linalg_slogdet", _SLOGDET)
linalg_slogdet_out = _return_type("linalg_slogdet_out", _SLOGDET)
linalg_svd = _return_type("linalg_svd", ("U", "S", "Vh"))
linalg_svd_out = _return_type("linalg_svd_out", ("U", "S", "Vh"))
max = _return_type("max")
max_out = _return_type("max_out")
median = _return_type("median")
median_out = _return_type("median_out")
min = _return_type("min")
min_out = _return_type("min_out")
mode = _return_type("mode")
mode_out = _return_type("mode_out")
nanmedian = _return_type("nanmedian")
nanmedian_out = _return_type("nanmedian_out")
qr = _return_type("qr", _QR)
slogdet = _return_type("slogdet", _SLOGDET)
slogdet_out = _return_type("slogdet_out", _SLOGDET)
sort = _return_type("sort")
sort_out = _return_type("sort_out")
svd = _return_type("svd", ("U", "S", "V"))
svd_out = _return_type("svd_out", ("U", "S", "V"))
topk = _return_type("topk")
topk_out = _return_type("topk_out")
