"""Training statistics collected with module hooks: activations, gradients, update-to-data ratios.

Three collectors, each usable on its own with a model or as a Learner callback:

* :class:`ActivationStats` registers a forward hook on every Linear, activation and
  normalisation module and records, per recorded batch, the output's mean and std, a histogram
  (stacked over time it is the "colorful dimension" image), the fraction near zero, the fraction
  saturated (tanh/sigmoid) and the fraction of dead units (ReLU family).
* :class:`GradientStats` reads each parameter's ``.grad`` after backward: mean, std, norm and the
  gradient-to-data ratio per parameter, and the same plus a histogram per layer.
* :class:`UpdateRatio` compares each parameter before and after the optimizer step:
  ``log10(std(lr * update) / std(param))``, healthy near -3.

:class:`DiagnosticsCallback` bundles the three for the Learner, recording every ``every``-th
training batch so that it is cheap enough to leave on.

Example:
    >>> stats = ActivationStats(model)                   # doctest: +SKIP
    >>> model(x)                                          # doctest: +SKIP
    >>> stats["net.1"].saturated[-1]                      # doctest: +SKIP
    >>> learn = Learner(model, data, callbacks=[DiagnosticsCallback(every=10)])  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from feedforward.diagnostics.thresholds import THRESHOLDS, Thresholds
from feedforward.tensor import Tensor

__all__ = [
    "layer_kind",
    "watched_modules",
    "ActivationRecord",
    "ActivationStats",
    "GradientRecord",
    "GradientStats",
    "UpdateRatio",
    "DiagnosticsCallback",
]

# Module kinds, by class name so that user subclasses of the same name and layers added to
# feedforward.nn later are recognised without importing them here.
_LINEAR = {"Linear", "Bilinear", "LazyLinear"}
_TANH_LIKE = {"Tanh", "Hardtanh"}
_SIGMOID_LIKE = {"Sigmoid", "Hardsigmoid"}
# "ReLU family": units whose output is zero (or nearly, on a flat negative side) when inactive
_RELU_FAMILY = {
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU",
    "Mish", "Hardswish", "Threshold",
}  # fmt: skip
_OTHER_ACTIVATIONS = {
    "Softplus", "Softsign", "Tanhshrink", "LogSigmoid", "GLU", "Softmax", "LogSoftmax", "Softmin",
}  # fmt: skip


def layer_kind(module: Any) -> str | None:
    """The kind of a module for the statistics, or None when it is not watched.

    Returns one of ``"linear"``, ``"tanh"`` (Tanh, Hardtanh), ``"sigmoid"`` (Sigmoid,
    Hardsigmoid), ``"relu"`` (the ReLU family), ``"activation"`` (other activations),
    ``"norm"`` (BatchNorm, LayerNorm, RMSNorm, GroupNorm, ...).
    """
    name = type(module).__name__
    if name in _LINEAR:
        return "linear"
    if name in _TANH_LIKE:
        return "tanh"
    if name in _SIGMOID_LIKE:
        return "sigmoid"
    if name in _RELU_FAMILY:
        return "relu"
    if name in _OTHER_ACTIVATIONS:
        return "activation"
    if name.endswith("Norm") or ("Norm" in name and name[-2:] in ("1d", "2d", "3d")):
        return "norm"
    return None


def watched_modules(model: Any) -> list[tuple[str, Any, str]]:
    """``(path, module, kind)`` for every watched module of ``model``, in definition order.

    The path is the module's name in ``model.named_modules()`` (``"net.3"``); the model itself,
    when it is a watched layer, is named after its class.
    """
    out = []
    for name, module in model.named_modules():
        kind = layer_kind(module)
        if kind is not None:
            out.append((name or type(module).__name__, module, kind))
    return out


def _output_array(output: Any) -> np.ndarray | None:
    """The NumPy array of a module's output (the first tensor of a tuple output)."""
    if isinstance(output, tuple | list):
        output = next((o for o in output if isinstance(o, Tensor)), None)
    return output._data if isinstance(output, Tensor) else None


# Histograms of tensors larger than this count an even, strided sample of this many values:
# the shape of the distribution is what matters, and histogramming 200,000 gradients of a
# 784x256 layer on every record would cost more than the training step it describes.
HIST_SAMPLE = 1 << 15


def _sample(flat: np.ndarray) -> np.ndarray:
    step = -(-flat.size // HIST_SAMPLE)
    return flat if step == 1 else flat[::step]


def _bincount_hist(x: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    """Histogram of ``x`` over ``bins`` equal bins of [lo, hi]; values outside land in the end
    bins (so no mass is lost when activations drift past the range). One pass, no sorting."""
    idx = (x.ravel() - lo) * (bins / (hi - lo))
    np.clip(idx, 0, bins - 1, out=idx)
    return np.bincount(idx.astype(np.intp), minlength=bins)


@dataclass(frozen=True)
class _Moments:
    """Count, mean and variance of an array: enough for mean, std and norm, and mergeable."""

    n: int
    mean: float
    var: float

    @staticmethod
    def of(x: np.ndarray) -> _Moments:
        flat = x.reshape(-1)
        mean = float(flat.mean())
        if not math.isfinite(mean):
            return _Moments(flat.size, math.nan, math.nan)
        centred = flat - np.asarray(mean, dtype=flat.dtype)  # centred: no cancellation
        return _Moments(flat.size, mean, float(np.dot(centred, centred)) / flat.size)

    @staticmethod
    def merge(parts: list[_Moments]) -> _Moments:
        """The moments of the concatenation (Chan et al.'s parallel formula)."""
        n = sum(p.n for p in parts)
        mean = sum(p.n * p.mean for p in parts) / n
        var = sum(p.n * (p.var + (p.mean - mean) ** 2) for p in parts) / n
        return _Moments(n, mean, var)

    @property
    def std(self) -> float:
        return math.sqrt(self.var) if self.var >= 0 else math.nan

    @property
    def norm(self) -> float:
        return math.sqrt(self.n * (self.var + self.mean**2))


# ---------------------------------------------------------------------- the collector protocol


class _Collector:
    """What the three collectors share: the ``every``-th-batch switch and the Learner hooks.

    Standalone, a collector records every ``every``-th call it sees. As a Learner callback it
    records the training batches whose global step is a multiple of ``every``. (Callbacks are
    duck-typed: any object with ``order`` and hook methods, so no import of the Learner here.)
    """

    # after the Recorder (-10), before GradientClipping (0): gradients are seen unclipped
    order = -5

    def __init__(self, every: int = 1) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"{type(self).__name__}: every must be a positive int, got {every!r}")
        self.every = every
        self.active = True  # whether the current batch is recorded
        self.at_step = 0  # the step the current record belongs to
        self._calls = 0  # standalone: calls seen so far
        self._driven = False  # True while a Learner decides which batches are recorded

    def _standalone_tick(self) -> bool:
        """Standalone: decide whether this call is recorded, advance the counter."""
        self.at_step = self._calls
        self.active = self._calls % self.every == 0
        self._calls += 1
        return self.active

    # Learner callback methods ------------------------------------------------------------

    def before_fit(self, learn: Any) -> None:
        self._driven = True

    def after_fit(self, learn: Any) -> None:
        self._driven = False
        self.active = True

    def cleanup_fit(self, learn: Any) -> None:
        self.after_fit(learn)  # also when fit ends with an error: usable standalone again

    def before_batch(self, learn: Any) -> None:
        self.at_step = int(getattr(learn, "step", 0))
        self.active = bool(learn.training) and self.at_step % self.every == 0

    def after_batch(self, learn: Any) -> None:
        self.active = False


# ---------------------------------------------------------------------- activations


@dataclass
class ActivationRecord:
    """The activation statistics of one layer, one entry per recorded batch.

    ``saturated`` is filled for tanh/sigmoid layers, ``dead`` for the ReLU family (the
    fraction of units never positive over the last ``window`` records); both are empty for
    other kinds. ``hist[t]`` counts the outputs of record ``t`` in the bins ``edges`` (all of
    them, or an even sample of :data:`HIST_SAMPLE` for larger outputs).
    """

    name: str
    kind: str
    steps: list[int] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)
    near_zero: list[float] = field(default_factory=list)
    saturated: list[float] = field(default_factory=list)
    dead: list[float] = field(default_factory=list)
    hist: list[np.ndarray] = field(default_factory=list)
    edges: np.ndarray | None = None
    units: int = 0
    window: deque = field(default_factory=deque, repr=False)  # recent "ever active" masks

    def histogram_image(self) -> np.ndarray:
        """The colorful-dimension image: (bins, records) counts, one column per record."""
        if not self.hist:
            return np.zeros((0, 0))
        return np.stack(self.hist, axis=1)

    def dead_units(self) -> np.ndarray:
        """Indices of the units never positive over the current window (ReLU family)."""
        if not self.window:
            return np.zeros(0, dtype=np.intp)
        return np.flatnonzero(~np.logical_or.reduce(list(self.window)))


class ActivationStats(_Collector):
    """Forward-hook statistics of every Linear, activation and normalisation module.

    Args:
        model: the model to watch now (or call :meth:`attach` later, or let a Learner attach
            it in ``before_fit``).
        every: record every ``every``-th forward call of the model (standalone) or training
            batch (as a Learner callback).
        bins: histogram bins per record.
        thresholds: where "near zero", "saturated" and the dead-unit window are defined.

    Attributes:
        records: ``{module path: ActivationRecord}``.

    Example:
        >>> with ActivationStats(model) as stats:          # doctest: +SKIP
        ...     model(x)
        >>> stats.summary()["net.1"]["saturated"]         # doctest: +SKIP
    """

    def __init__(
        self,
        model: Any = None,
        *,
        every: int = 1,
        bins: int = 40,
        thresholds: Thresholds = THRESHOLDS,
    ) -> None:
        super().__init__(every)
        self.bins = bins
        self.thresholds = thresholds
        self.records: dict[str, ActivationRecord] = {}
        self.model: Any = None
        self._watched: list[tuple[str, Any, str]] = []
        self._handles: list[Any] = []
        self._root_handle: Any = None
        if model is not None:
            self.attach(model)

    # attaching ----------------------------------------------------------------------------

    def attach(self, model: Any) -> ActivationStats:
        """Watch ``model`` (replacing any earlier attachment); standalone, hooks go on now.

        Driven by a Learner, the hooks are only registered for the batches that are recorded,
        so that the others take the modules' hook-free fast path.
        """
        self.detach()
        self.model = model
        self._watched = watched_modules(model)
        for name, _, kind in self._watched:
            self.records.setdefault(name, ActivationRecord(name, kind))
        if not self._driven:
            self._add_hooks()
            self._root_handle = model.register_forward_pre_hook(self._root_pre_hook)
        return self

    def _add_hooks(self) -> None:
        self._handles = [
            module.register_forward_hook(self._make_hook(name, module))
            for name, module, _ in self._watched
        ]

    def _remove_hooks(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def detach(self) -> None:
        """Remove the hooks; the records stay."""
        self._remove_hooks()
        if self._root_handle is not None:
            self._root_handle.remove()
            self._root_handle = None

    def reset(self) -> None:
        """Forget every record (the hooks stay)."""
        self.records = {name: ActivationRecord(name, r.kind) for name, r in self.records.items()}

    def __enter__(self) -> ActivationStats:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.detach()

    def __getitem__(self, name: str) -> ActivationRecord:
        return self.records[name]

    def __iter__(self) -> Iterator[ActivationRecord]:
        return iter(self.records.values())

    def _root_pre_hook(self, module: Any, args: tuple) -> None:
        if not self._driven:
            self._standalone_tick()

    # recording ----------------------------------------------------------------------------

    def _make_hook(self, name: str, module: Any):
        def hook(mod: Any, args: tuple, output: Any) -> None:
            if self.active:
                x = _output_array(output)
                if x is not None and x.size:
                    self._record(self.records[name], mod, x)

        return hook

    def _saturation_band(self, record: ActivationRecord, module: Any) -> tuple[float, float]:
        """(middle, half-width beyond which an output counts as saturated)."""
        t = self.thresholds
        if record.kind == "tanh":
            lo, hi = getattr(module, "min_val", -1.0), getattr(module, "max_val", 1.0)
            return (lo + hi) / 2, t.tanh_saturated * (hi - lo) / 2
        return 0.5, t.sigmoid_high - 0.5

    def _hist_range(self, record: ActivationRecord, module: Any, x: np.ndarray, mean, std):
        """Histogram range, fixed at the first record so that the columns line up over time."""
        if record.kind == "tanh":
            return getattr(module, "min_val", -1.0), getattr(module, "max_val", 1.0)
        if record.kind == "sigmoid":
            return 0.0, 1.0
        spread = 4 * std if std > 0 else 1.0
        lo, hi = mean - spread, mean + spread
        if record.kind == "relu":
            lo = min(0.0, float(x.min()))
        return lo, hi

    def _record(self, record: ActivationRecord, module: Any, x: np.ndarray) -> None:
        moments = _Moments.of(x)
        mean, std = moments.mean, moments.std
        record.steps.append(self.at_step)
        record.mean.append(mean)
        record.std.append(std)
        n = x.size
        finite = math.isfinite(std)
        record.near_zero.append(
            np.count_nonzero(np.abs(x) < self.thresholds.near_zero) / n if finite else math.nan
        )
        if record.kind in ("tanh", "sigmoid"):
            mid, cut = self._saturation_band(record, module)
            sat = np.count_nonzero(np.abs(x - mid) > cut) / n if finite else math.nan
            record.saturated.append(sat)
        if record.kind == "relu":
            self._record_dead(record, x)
        if not finite:  # a column of zeros keeps hist aligned with steps
            record.hist.append(np.zeros(self.bins, dtype=np.intp))
            return
        if record.edges is None:
            lo, hi = self._hist_range(record, module, x, mean, std)
            record.edges = np.linspace(lo, hi, self.bins + 1)
        sample = _sample(x.reshape(-1))
        record.hist.append(_bincount_hist(sample, record.edges[0], record.edges[-1], self.bins))

    def _record_dead(self, record: ActivationRecord, x: np.ndarray) -> None:
        # units live on the last axis; a unit is active in a batch when it was ever positive
        axes = tuple(range(x.ndim - 1))
        active = (x > 0).any(axis=axes) if axes else (x > 0)
        if record.units != active.size:  # first record, or the layer changed width
            record.window = deque(maxlen=self.thresholds.dead_window)
            record.units = active.size
        record.window.append(active)
        record.dead.append(float(np.mean(~np.logical_or.reduce(list(record.window)))))

    # reading ------------------------------------------------------------------------------

    def summary(self) -> dict[str, dict[str, float]]:
        """The latest value of each statistic, per layer (NaN where not applicable)."""
        out = {}
        for name, r in self.records.items():
            if not r.steps:
                continue
            out[name] = {
                "kind": r.kind,
                "mean": r.mean[-1],
                "std": r.std[-1],
                "near_zero": r.near_zero[-1],
                "saturated": r.saturated[-1] if r.saturated else math.nan,
                "dead": r.dead[-1] if r.dead else math.nan,
            }
        return out

    # Learner callback methods ------------------------------------------------------------

    def before_fit(self, learn: Any) -> None:
        super().before_fit(learn)
        self.attach(learn.model)  # driven: no hooks until a recorded batch
        self.active = False

    def before_batch(self, learn: Any) -> None:
        super().before_batch(learn)
        if self.active and not self._handles:
            self._add_hooks()

    def after_batch(self, learn: Any) -> None:
        super().after_batch(learn)
        self._remove_hooks()

    def after_fit(self, learn: Any) -> None:
        super().after_fit(learn)
        self.detach()


# ---------------------------------------------------------------------- gradients


@dataclass
class GradientRecord:
    """Gradient statistics of one parameter or one layer, one entry per recorded step.

    ``grad_to_data`` is std(grad) / std(param) (NaN while the parameter is constant, e.g. a
    zero-initialised bias). Layer records also keep a histogram per step, each with its own
    ``hist_edges`` (gradients shrink by orders of magnitude during training).
    """

    name: str
    steps: list[int] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)
    norm: list[float] = field(default_factory=list)
    grad_to_data: list[float] = field(default_factory=list)
    hist: list[np.ndarray] = field(default_factory=list)
    hist_edges: list[np.ndarray] = field(default_factory=list)


def _ratio(grad: _Moments, data: _Moments) -> float:
    return grad.std / data.std if data.std > 0 else math.nan


class GradientStats(_Collector):
    """Gradient mean / std / norm per parameter and per layer, read from ``.grad``.

    Call :meth:`record` after ``loss.backward()`` (standalone), or add it to a Learner, which
    records after backward on every ``every``-th training batch.

    Attributes:
        params: ``{parameter name: GradientRecord}`` (``"net.0.weight"``).
        layers: ``{module path: GradientRecord}`` over the module's own parameters together,
            with a gradient histogram per record.

    Example:
        >>> grads = GradientStats(model)                   # doctest: +SKIP
        >>> loss_fn(model(x), y).backward(); grads.record()  # doctest: +SKIP
        >>> grads.layers["net.0"].norm[-1]                  # doctest: +SKIP
    """

    def __init__(self, model: Any = None, *, every: int = 1, bins: int = 40) -> None:
        super().__init__(every)
        self.bins = bins
        self.params: dict[str, GradientRecord] = {}
        self.layers: dict[str, GradientRecord] = {}
        self.model: Any = None
        self._layer_params: list[tuple[str, list[tuple[str, Any]]]] = []
        if model is not None:
            self.attach(model)

    def attach(self, model: Any) -> GradientStats:
        """Watch the parameters of ``model``."""
        self.model = model
        self._layer_params = []
        for path, module in model.named_modules():
            own = [(n, p) for n, p in module.named_parameters(recurse=False) if p.requires_grad]
            if own:
                prefix = f"{path}." if path else ""
                layer = path or type(module).__name__
                self._layer_params.append((layer, [(prefix + n, p) for n, p in own]))
        return self

    def record(self, step: int | None = None) -> None:
        """Record the current ``.grad`` of every parameter (those without one are skipped).

        Standalone, only every ``every``-th call records.
        """
        if step is None:
            if not self._standalone_tick():
                return
            step = self.at_step
        for layer, params in self._layer_params:
            parts = []  # (name, grad array, grad moments, data moments) of each parameter
            for name, p in params:
                if p.grad is None:
                    continue
                g_m, d_m = _Moments.of(p.grad._data), _Moments.of(p._data)
                rec = self.params.setdefault(name, GradientRecord(name))
                self._append(rec, step, g_m, _ratio(g_m, d_m))
                parts.append((p.grad._data, g_m, d_m))
            if parts:
                self._record_layer(layer, step, parts)

    def _record_layer(self, layer: str, step: int, parts: list) -> None:
        g_m = _Moments.merge([g for _, g, _ in parts])
        d_m = _Moments.merge([d for _, _, d in parts])
        rec = self.layers.setdefault(layer, GradientRecord(layer))
        self._append(rec, step, g_m, _ratio(g_m, d_m))
        if math.isfinite(g_m.std):
            half = abs(g_m.mean) + 4 * g_m.std if g_m.std > 0 else 1.0
            edges = np.linspace(g_m.mean - half, g_m.mean + half, self.bins + 1)
            counts = sum(
                _bincount_hist(_sample(g.reshape(-1)), edges[0], edges[-1], self.bins)
                for g, _, _ in parts
            )
            rec.hist.append(counts)
            rec.hist_edges.append(edges)

    @staticmethod
    def _append(rec: GradientRecord, step: int, grad: _Moments, ratio: float) -> None:
        rec.steps.append(step)
        rec.mean.append(grad.mean)
        rec.std.append(grad.std)
        rec.norm.append(grad.norm)
        rec.grad_to_data.append(ratio)

    def reset(self) -> None:
        """Forget every record."""
        self.params, self.layers = {}, {}

    def summary(self) -> dict[str, dict[str, float]]:
        """The latest mean / std / norm / grad_to_data per parameter."""
        return {
            n: {"mean": r.mean[-1], "std": r.std[-1], "norm": r.norm[-1],
                "grad_to_data": r.grad_to_data[-1]}
            for n, r in self.params.items() if r.steps
        }  # fmt: skip

    # Learner callback methods ------------------------------------------------------------

    def before_fit(self, learn: Any) -> None:
        super().before_fit(learn)
        if self.model is not learn.model:
            self.attach(learn.model)
        self.active = False

    def after_backward(self, learn: Any) -> None:
        if self.active:
            self.record(self.at_step)


# ---------------------------------------------------------------------- update-to-data ratio


class UpdateRatio(_Collector):
    """The update-to-data ratio ``log10(std(lr * update) / std(param))`` of each parameter.

    The update is measured, not recomputed: the parameter is copied before the optimizer step
    and compared after it, so momentum, Adam's scaling and weight decay are all included.
    ``std(param)`` is taken before the step (a huge step is measured against the weights it
    overwrote, not against itself).
    Karpathy's rule of thumb: healthy near -3; far above, the learning rate is too high; far
    below, too low. ``-inf`` means the step did not move the parameter at all; NaN, that the
    parameter is constant (a zero-initialised bias before its first step).

    Use ``ratio.step(optimizer)`` in place of ``optimizer.step()`` (standalone), or add it to a
    Learner.

    Attributes:
        ratios: ``{parameter name: [log10 ratio per recorded step]}``.
        steps: the step of each entry.

    Example:
        >>> udr = UpdateRatio(model)                         # doctest: +SKIP
        >>> loss.backward(); udr.step(optimizer)             # doctest: +SKIP
        >>> udr.ratios["net.0.weight"][-1]                   # doctest: +SKIP
        -2.9
    """

    def __init__(self, model: Any = None, *, every: int = 1) -> None:
        super().__init__(every)
        self.ratios: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self.model: Any = None
        self._params: list[tuple[str, Any]] = []
        self.ndims: dict[str, int] = {}  # parameter name -> ndim (2 for weight matrices)
        self._before: dict[str, np.ndarray] | None = None
        if model is not None:
            self.attach(model)

    def attach(self, model: Any) -> UpdateRatio:
        """Watch the trainable parameters of ``model``."""
        self.model = model
        self._params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        self.ndims = {n: p.ndim for n, p in self._params}
        return self

    def before_step(self, learn: Any = None) -> None:
        """Copy the parameters (only when this step is recorded)."""
        if learn is None and not self._driven:
            self._standalone_tick()
        self._before = {n: p._data.copy() for n, p in self._params} if self.active else None

    def after_step(self, learn: Any = None) -> None:
        """Compare with the copy taken in :meth:`before_step` and record the ratios."""
        if self._before is None:
            return
        self.steps.append(self.at_step)
        for name, p in self._params:
            old = self._before[name]
            self.ratios.setdefault(name, []).append(_log_ratio(p._data - old, old))
        self._before = None

    def step(self, optimizer: Any, closure: Any = None) -> Any:
        """``optimizer.step(closure)``, measuring the update (standalone use)."""
        self.before_step()
        out = optimizer.step(closure) if closure is not None else optimizer.step()
        self.after_step()
        return out

    def reset(self) -> None:
        """Forget every record."""
        self.ratios, self.steps = {}, []

    def summary(self) -> dict[str, float]:
        """The latest ratio per parameter."""
        return {n: r[-1] for n, r in self.ratios.items() if r}

    def before_fit(self, learn: Any) -> None:
        super().before_fit(learn)
        if self.model is not learn.model:
            self.attach(learn.model)
        self.active = False


def _log_ratio(update: np.ndarray, param: np.ndarray) -> float:
    p_std, u_std = _Moments.of(param).std, _Moments.of(update).std
    if not (math.isfinite(p_std) and math.isfinite(u_std)) or p_std == 0:
        return math.nan
    return math.log10(u_std / p_std) if u_std > 0 else -math.inf


# ---------------------------------------------------------------------- the bundle


class DiagnosticsCallback:
    """Activation, gradient and update statistics for the Learner, every ``every``-th batch.

    Args:
        every: record every ``every``-th training batch (by global step). 10 keeps the
            slowdown small (see ``benchmarks/diagnostics_overhead.py``).
        activations / gradients / updates: which collectors to run.
        bins: histogram bins.
        thresholds: the statistics' definitions (near zero, saturated, dead window).

    Attributes:
        activations: :class:`ActivationStats` (or None), gradients: :class:`GradientStats`,
        updates: :class:`UpdateRatio`.

    Example:
        >>> diag = DiagnosticsCallback(every=10)                 # doctest: +SKIP
        >>> Learner(model, data, callbacks=[diag]).fit(3)        # doctest: +SKIP
        >>> diag.plot("runs/mlp")                                 # doctest: +SKIP
    """

    order = _Collector.order

    def __init__(
        self,
        every: int = 10,
        *,
        activations: bool = True,
        gradients: bool = True,
        updates: bool = True,
        bins: int = 40,
        thresholds: Thresholds = THRESHOLDS,
    ) -> None:
        self.every = every
        self.activations = (
            ActivationStats(every=every, bins=bins, thresholds=thresholds) if activations else None
        )
        self.gradients = GradientStats(every=every, bins=bins) if gradients else None
        self.updates = UpdateRatio(every=every) if updates else None

    def __repr__(self) -> str:
        return f"DiagnosticsCallback(every={self.every})"

    def _collectors(self) -> list[_Collector]:
        return [c for c in (self.activations, self.gradients, self.updates) if c is not None]

    def _call(self, method: str, learn: Any) -> None:
        for c in self._collectors():
            fn = getattr(c, method, None)
            if fn is not None:
                fn(learn)

    def before_fit(self, learn: Any) -> None:
        self._call("before_fit", learn)

    def after_fit(self, learn: Any) -> None:
        self._call("after_fit", learn)

    def cleanup_fit(self, learn: Any) -> None:
        self._call("cleanup_fit", learn)

    def before_batch(self, learn: Any) -> None:
        self._call("before_batch", learn)

    def after_batch(self, learn: Any) -> None:
        self._call("after_batch", learn)

    def after_backward(self, learn: Any) -> None:
        self._call("after_backward", learn)

    def before_step(self, learn: Any) -> None:
        self._call("before_step", learn)

    def after_step(self, learn: Any) -> None:
        self._call("after_step", learn)

    def summary(self) -> dict[str, Any]:
        """Latest values: ``{"activations": ..., "gradients": ..., "updates": ...}``."""
        return {
            name: c.summary()
            for name, c in (("activations", self.activations), ("gradients", self.gradients),
                            ("updates", self.updates)) if c is not None
        }  # fmt: skip

    def plot(self, folder: Any) -> list[Any]:
        """Write every diagnostics figure into ``folder``; returns the paths (needs matplotlib)."""
        from feedforward.diagnostics.plots import save_all

        return save_all(self, folder)
