"""The doctor: probe a model at initialisation and over a short training run, report what's wrong.

:func:`doctor` works on a deep copy of the model (and of the optimizer), so the caller's model,
optimizer and the global random state are left as they were. It runs, in order:

1. the inputs: non-finite values, features far from mean 0 / std 1 (``input-not-normalized``);
2. one forward pass over a window of batches at initialisation: non-finite outputs, the initial
   loss against an uninformative prediction (``init-loss-high``), saturated tanh/sigmoid layers
   (``activation-saturation``), dead ReLU units (``dead-units``), activation std drifting with
   depth (``activation-scale-drift``);
3. one backward pass: gradient-to-data ratios across layers (``vanishing-gradients`` /
   ``exploding-gradients``), non-finite gradients, named by the module that produced them;
4. ``steps`` optimizer steps: divergence, a rising loss or update-to-data ratios far from -3
   (``lr-too-high`` / ``lr-too-low``), parameters turning non-finite (``non-finite``);
5. the window again after training (saturation and dead units that appear during training),
   then train-versus-eval-mode predictions (``eval-mode-forgotten``) and BatchNorm's batch size
   (``batchnorm-small-batch``).

Every threshold lives in :mod:`feedforward.diagnostics.thresholds`.

Example:
    >>> report = doctor(model, (x_train, y_train), nn.CrossEntropyLoss())   # doctest: +SKIP
    >>> print(report)                                                       # doctest: +SKIP
    >>> report.codes                                                        # doctest: +SKIP
    {'activation-saturation', 'init-loss-high'}
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import feedforward as ff
from feedforward import random as ff_random
from feedforward.diagnostics.report import Finding, Report
from feedforward.diagnostics.stats import (
    ActivationStats,
    GradientStats,
    UpdateRatio,
    layer_kind,
    watched_modules,
)
from feedforward.diagnostics.thresholds import THRESHOLDS, Thresholds
from feedforward.tensor import Tensor

__all__ = ["doctor", "Finding", "Report", "CODES"]

# Every code the doctor can report, with the severity it usually has.
CODES = {
    "non-finite": "error",
    "input-not-normalized": "warning",
    "init-loss-high": "warning",
    "activation-saturation": "warning",
    "dead-units": "warning",
    "activation-scale-drift": "warning",
    "vanishing-gradients": "warning",
    "exploding-gradients": "warning",
    "lr-too-high": "warning (error when the loss diverges)",
    "lr-too-low": "warning",
    "batchnorm-small-batch": "warning",
    "eval-mode-forgotten": "info (warning when predictions change a lot)",
}

Batch = tuple[Any, Any]
# rows of a pair's inputs the input statistics are computed on (a seeded sample)
INPUT_SAMPLE = 8192


def doctor(
    model: Any,
    data: Any,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Any = None,
    steps: int = 50,
    *,
    batch_size: int = 64,
    thresholds: Thresholds = THRESHOLDS,
    seed: int = 0,
) -> Report:
    """Probe ``model`` at initialisation and over ``steps`` training steps on a copy.

    Args:
        model: the network (an ``nn.Module``); it is deep-copied, never modified.
        data: a DataLoader (or any iterable of ``(inputs, targets, ...)`` batches), or an
            ``(inputs, targets)`` pair of tensors / arrays (batched here, ``batch_size`` rows).
        loss_fn: ``loss_fn(outputs, targets) -> scalar tensor`` (e.g. ``nn.CrossEntropyLoss()``).
        optimizer: the optimizer to test (its class, hyperparameters and state are copied onto
            the copy's parameters); None means ``Adam(lr=1e-3)``, the Learner's default.
        steps: training steps of the short run (0 skips the run and the learning-rate checks).
        batch_size: rows per batch when ``data`` is a pair.
        thresholds: see :mod:`feedforward.diagnostics.thresholds`.
        seed: seeds the batching of a pair and the random layers of the copy.

    Returns:
        A :class:`Report`; ``report.has_errors`` is what ``feedforward doctor`` turns into exit
        status 1.

    Example:
        >>> net = nn.Sequential(nn.Linear(20, 64), nn.Tanh(), nn.Linear(64, 3))
        >>> x, y = ff.randn(512, 20), ff.randint(0, 3, (512,))
        >>> doctor(net, (x, y), nn.CrossEntropyLoss(), steps=20).healthy
        True
    """
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"doctor: steps must be a non-negative int, got {steps!r}")
    if not callable(loss_fn):
        raise TypeError(f"doctor: loss_fn must be callable, got {type(loss_fn).__name__}")
    rng_state = ff_random.get_rng_state()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            ff.manual_seed(seed)
            probe = _Doctor(model, data, loss_fn, optimizer, steps, batch_size, thresholds, seed)
            return probe.run()
    finally:
        ff_random.set_rng_state(rng_state)


# ---------------------------------------------------------------------- batches


def _as_tensor(a: Any) -> Tensor:
    return a if isinstance(a, Tensor) else ff.tensor(np.asarray(a))


def _is_pair(data: Any) -> bool:
    return (
        isinstance(data, tuple | list)
        and len(data) == 2
        and all(hasattr(d, "shape") and len(d.shape) > 0 for d in data)
    )


class _Batches:
    """The probe window (the first ``window`` batches) and an endless stream for training."""

    def __init__(self, data: Any, batch_size: int, window: int, seed: int) -> None:
        self.data = data
        if _is_pair(data):
            x, y = (_as_tensor(d) for d in data)
            if x.shape[0] != y.shape[0]:
                raise ValueError(
                    f"doctor: inputs and targets differ in length: {x.shape[0]} vs {y.shape[0]}"
                )
            if x.shape[0] == 0:
                raise ValueError("doctor: the data is empty")
            self.x, self.y, self.batch_size = x, y, batch_size
            self.rng = np.random.default_rng(seed)
        else:
            self.x = None
            if not hasattr(data, "__iter__"):
                raise TypeError(
                    "doctor: data must be a DataLoader (an iterable of (inputs, targets) "
                    f"batches) or an (inputs, targets) pair, got {type(data).__name__}"
                )
        self.window = []
        for batch in self.stream():
            self.window.append(batch)
            if len(self.window) == window:
                break

    def _pair_epoch(self) -> Iterator[Batch]:
        order = self.rng.permutation(self.x.shape[0])
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            yield self._take(self.x, idx), self._take(self.y, idx)

    @staticmethod
    def _take(t: Tensor, idx: np.ndarray) -> Tensor:
        return Tensor._make(t._data[idx], False, None)

    def _loader_epoch(self) -> Iterator[Batch]:
        for batch in self.data:
            if isinstance(batch, dict):
                values = list(batch.values())
            else:
                values = list(batch)
            if len(values) < 2:
                raise ValueError("doctor: each batch must hold (inputs, targets)")
            yield _as_tensor(values[0]), _as_tensor(values[1])

    def stream(self) -> Iterator[Batch]:
        """Batches forever (a new epoch whenever one ends)."""
        while True:
            empty = True
            for batch in self._pair_epoch() if self.x is not None else self._loader_epoch():
                empty = False
                yield batch
            if empty:
                raise ValueError("doctor: the data yields no batches")


# ---------------------------------------------------------------------- copies


def _fresh_copy(model: Any) -> Any:
    """A deep copy without the original's hooks (they would record the doctor's passes)."""
    net = copy.deepcopy(model)
    for m in net.modules():
        for name in ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks",
                     "_backward_pre_hooks"):  # fmt: skip
            hooks = getattr(m, name, None)
            if hooks is not None:
                hooks.clear()
    net.train()
    net.zero_grad()
    return net


def _copy_optimizer(optimizer: Any, model: Any, net: Any) -> Any:
    """The same optimizer class, groups and state, on the copy's parameters."""
    if optimizer is None:
        return ff.optim.Adam(net.parameters(), lr=1e-3)
    names = {id(p): n for n, p in model.named_parameters()}
    groups = []
    for group in optimizer.param_groups:
        params = []
        for p in group["params"]:
            if id(p) not in names:
                raise ValueError(
                    "doctor: the optimizer holds a parameter that is not in the model "
                    f"(shape {tuple(p.shape)}); build it from model.parameters()"
                )
            params.append(net.get_parameter(names[id(p)]))
        groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": params})
    opt = type(optimizer)(groups)
    opt.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    return opt


def _describe_optimizer(opt: Any) -> str:
    group = opt.param_groups[0]
    return f"{type(opt).__name__}(lr={_g(group['lr'])})"


def _g(x: float) -> str:
    return f"{float(x):.3g}"


def _times(factor: float) -> str:
    """``30x``, ``2,200x``: a factor rounded to two significant digits."""
    return f"{float(f'{factor:.2g}'):,.0f}x"


# ---------------------------------------------------------------------- non-finite tracking


def _finite(x: Any) -> bool:
    if isinstance(x, Tensor):
        x = x._data
    if isinstance(x, tuple | list):
        return all(_finite(v) for v in x)
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return bool(np.isfinite(x).all())
    return True


class _ForwardWatch:
    """Forward hooks on every module: the first one to produce a non-finite output."""

    def __init__(self, net: Any) -> None:
        self.first: tuple[str, bool] | None = None  # (path, were its inputs finite)
        self.handles = [
            m.register_forward_hook(self._hook(name or type(m).__name__))
            for name, m in net.named_modules()
        ]

    def _hook(self, name: str):
        def hook(module: Any, args: tuple, output: Any) -> None:
            if self.first is None and not _finite(output):
                self.first = (name, _finite(args))

        return hook

    def detach(self) -> None:
        for h in self.handles:
            h.remove()


def _first_nonfinite_grad_module(net: Any, loss_fn: Callable, xb: Tensor, yb: Any) -> str | None:
    """Replay one forward/backward with backward hooks: the first module (in backward order)
    that turned finite output gradients into non-finite input gradients."""
    found: list[str] = []

    def make(name: str):
        def hook(module: Any, grad_input: tuple, grad_output: tuple) -> None:
            if not found and _finite(grad_output) and not _finite(grad_input):
                found.append(name)

        return hook

    leaves = [(n, m) for n, m in net.named_modules() if n and not any(True for _ in m.children())]
    handles = [m.register_full_backward_hook(make(n)) for n, m in leaves]
    try:
        net.zero_grad()
        x = xb if _is_integer(xb) else xb.detach().requires_grad_()
        loss_fn(net(x), yb).backward()
    finally:
        for h in handles:
            h.remove()
        net.zero_grad()
    if found:
        return found[0]
    # a parameter's own gradient can be the first non-finite one (no module input carries it)
    for name, p in reversed(list(net.named_parameters())):
        if p.grad is not None and not _finite(p.grad):
            return name
    return None


# ---------------------------------------------------------------------- helpers on outputs


def _uninformative_like(out: Tensor, last_kind: str | None, last_name: str) -> Tensor:
    """The prediction that knows nothing, in the model's output parametrisation.

    Logits (and regression outputs): all zeros, i.e. uniform softmax, ln C cross-entropy.
    Log-probabilities (a final LogSoftmax): -ln C everywhere. Probabilities (a final Softmax /
    Sigmoid): 1 / C, or 0.5.
    """
    a = out._data
    if a.ndim >= 2 and a.shape[1] > 1:
        c = a.shape[1]
    else:
        c = 2
    if last_name == "LogSoftmax":
        fill = -math.log(c)
    elif last_name == "Softmax":
        fill = 1.0 / c
    elif last_kind == "sigmoid":
        fill = 0.5
    else:
        fill = 0.0
    return Tensor._make(np.full_like(a, fill), False, None)


def _predictions_changed(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of predictions that differ: argmax for class scores, else moves > 10% of std."""
    if a.ndim == 2 and a.shape[1] > 1:
        return float(np.mean(a.argmax(axis=1) != b.argmax(axis=1)))
    scale = float(np.std(b)) or 1.0
    return float(np.mean(np.abs(a - b) > 0.1 * scale))


def _is_integer(t: Tensor) -> bool:
    return t._data.dtype.kind in "iub"


# ---------------------------------------------------------------------- the probes


class _Doctor:
    def __init__(self, model, data, loss_fn, optimizer, steps, batch_size, thresholds, seed):
        self.model, self.loss_fn, self.steps, self.t = model, loss_fn, steps, thresholds
        self.batches = _Batches(data, batch_size, thresholds.dead_window, seed)
        self.net = _fresh_copy(model)
        self.opt = _copy_optimizer(optimizer, model, self.net)
        self.findings: list[Finding] = []
        self.summary: dict[str, Any] = {}
        self.layers = watched_modules(self.net)
        self.linears = [(n, m) for n, m, k in self.layers if k == "linear"]
        last = list(self.net.modules())[-1]
        self.last_kind, self.last_name = layer_kind(last), type(last).__name__

    def add(self, code, severity, where, metric, value, op, threshold, why, fix, **extra) -> None:
        value, threshold = float(value), float(threshold)
        self.findings.append(
            Finding(code, severity, where, metric, value, op, threshold, why, fix, **extra)
        )

    def report(self) -> Report:
        return Report(self.findings, self.summary, self.t.as_dict())

    def run(self) -> Report:
        xb, _ = self.batches.window[0]
        n_params = sum(p.numel() for p in self.net.parameters())
        self.summary.update(
            model=f"{len(self.linears)} Linear layers, {n_params:,} parameters",
            optimizer=_describe_optimizer(self.opt),
            batch_size=int(xb.shape[0]),
        )
        if not self.check_inputs():
            return self.report()
        self.check_batchnorm_batch()
        if not self.probe_init():
            return self.report()
        if not self.probe_gradients():
            return self.report()
        if self.steps:
            losses, udr, diverged_at = self.train()
            after = self.probe_after_training() if diverged_at is None else math.nan
            self.check_learning_rate(losses, udr, diverged_at, after)
        self.check_eval_mode()
        return self.report()

    # ------------------------------------------------------------------ inputs

    def report_nonfinite_inputs(self, x: np.ndarray) -> None:
        self.add(
            "non-finite", "error", "inputs", "non-finite fraction", np.mean(~np.isfinite(x)),
            ">", 0,
            "The inputs contain NaN or Inf, so every output and gradient will too.",
            "remove or impute the NaN/Inf values in the data (e.g. replace missing values by "
            "the training mean) before training",
        )  # fmt: skip

    def check_inputs(self) -> bool:
        """Statistics of the probe window's inputs (of all inputs, when given as a pair)."""
        xs = [x for x, _ in self.batches.window]
        if _is_integer(xs[0]):
            return True  # token ids / class indices: nothing to normalise
        if self.batches.x is not None:  # a pair: every row for NaN/Inf, a sample for stats
            whole = self.batches.x._data.reshape(self.batches.x.shape[0], -1)
            if not _finite(whole):
                self.report_nonfinite_inputs(whole)
                return False
            rows = np.random.default_rng(0).permutation(len(whole))[:INPUT_SAMPLE]
            xs = [Tensor._make(whole[np.sort(rows)], False, None)]
        x = np.concatenate([a._data.reshape(a.shape[0], -1) for a in xs]).astype(np.float64)
        if not np.isfinite(x).all():
            self.report_nonfinite_inputs(x)
            return False
        mean, std = x.mean(axis=0), x.std(axis=0)
        worst_mean, worst_std, overall = float(np.abs(mean).max()), float(std.max()), x.std()
        t = self.t
        fix = (
            "normalise inputs by training mean/std: x = (x - mean) / std with the training "
            "set's statistics (feedforward.datasets.normalize_by_train_stats or Standardizer)"
        )
        if worst_mean > t.input_mean_high or worst_std > t.input_std_high:
            big_mean = worst_mean / t.input_mean_high >= worst_std / t.input_std_high
            self.add(
                "input-not-normalized", "warning", "inputs",
                "max |feature mean|" if big_mean else "max feature std",
                worst_mean if big_mean else worst_std, ">",
                t.input_mean_high if big_mean else t.input_std_high,
                f"Input features have means up to {_g(worst_mean)} and stds up to "
                f"{_g(worst_std)} (raw 0-255 pixels?): the first layer's pre-activations are "
                "huge, saturating units and making the loss surface badly conditioned.",
                fix,
            )  # fmt: skip
        elif 0 < overall < t.input_std_low:
            self.add(
                "input-not-normalized", "warning", "inputs", "input std", overall, "<",
                t.input_std_low,
                "The inputs are tiny: the first layer sees almost nothing but its bias, so "
                "learning starts from a near-constant representation.",
                fix,
            )  # fmt: skip
        return True

    # ------------------------------------------------------------------ batchnorm batch size

    def check_batchnorm_batch(self) -> None:
        bns = [n for n, m in self.net.named_modules() if type(m).__name__.startswith("BatchNorm")]
        size = self.summary["batch_size"]
        if bns and size < self.t.batchnorm_min_batch:
            self.add(
                "batchnorm-small-batch", "warning", bns[0], "batch size", size, "<",
                self.t.batchnorm_min_batch,
                f"BatchNorm normalises with the statistics of the batch; with {size} samples "
                "they are noisy, so training is noisy and the running statistics used in eval "
                "mode do not match what the network learned.",
                f"use a batch size of at least {max(32, self.t.batchnorm_min_batch)}, or "
                "replace BatchNorm1d by LayerNorm, which does not depend on the batch",
            )  # fmt: skip

    # ------------------------------------------------------------------ the probe window

    def run_window(self) -> tuple[ActivationStats, _ForwardWatch, list[float], list[float]]:
        """Forward passes over the probe window (no grad) with activation statistics."""
        acts = ActivationStats(self.net, thresholds=self.t)
        watch = _ForwardWatch(self.net)
        losses, baselines = [], []
        # dropout off (its noise would inflate the loss and the scales), BatchNorm as in training
        dropouts = self.dropouts()
        for m in dropouts:
            m.eval()
        try:
            with ff.no_grad():
                for xb, yb in self.batches.window:
                    out = self.net(xb)
                    if watch.first is not None:
                        break
                    losses.append(float(self.loss_fn(out, yb)))
                    baseline = _uninformative_like(out, self.last_kind, self.last_name)
                    baselines.append(float(self.loss_fn(baseline, yb)))
        finally:
            acts.detach()
            watch.detach()
            for m in dropouts:
                m.train()
        return acts, watch, losses, baselines

    def dropouts(self) -> list[Any]:
        return [m for m in self.net.modules() if "Dropout" in type(m).__name__]

    def report_forward_nonfinite(self, watch: _ForwardWatch, when: str, step: int = -1) -> None:
        name, inputs_finite = watch.first
        if step > 0 and inputs_finite:
            why = (
                f"After {step} updates, module {name} produced NaN/Inf from finite inputs: "
                "its weights grew until its output overflowed, because the steps are too large."
            )
            fix = (
                "lower the learning rate (see lr-too-high) and clip gradients "
                "(GradientClipping(max_norm=1.0))"
            )
        elif inputs_finite:
            why = (
                f"Module {name} produced NaN/Inf from finite inputs {when}; everything after "
                "it, the loss and all gradients are non-finite."
            )
            fix = (
                f"guard the input domain of {name} (e.g. clamp to at least 1e-6 before log, "
                "sqrt or division), or re-initialise its weights if they are huge"
            )
        else:
            why = (
                f"The input of module {name} was already non-finite {when}: the code that "
                "runs before it in its parent's forward (a functional op) produced NaN/Inf."
            )
            fix = f"guard the operation that computes the input of {name} (clamp, add an epsilon)"
        self.add("non-finite", "error", name, "non-finite output", 1, ">", 0, why, fix)

    def probe_init(self) -> bool:
        acts, watch, losses, baselines = self.run_window()
        if watch.first is not None:
            self.report_forward_nonfinite(watch, "at initialisation")
            return False
        init_loss, baseline = float(np.mean(losses)), float(np.mean(baselines))
        self.summary.update(init_loss=init_loss, uninformative_loss=baseline)
        if not math.isfinite(init_loss):
            self.add(
                "non-finite", "error", "loss", "initial loss", init_loss, ">", 0,
                "The model's outputs are finite but the loss is not: the loss function gets "
                "values outside its domain (e.g. probabilities of exactly 0 or 1).",
                "give the loss logits (CrossEntropyLoss / BCEWithLogitsLoss) instead of "
                "probabilities, or clamp the predictions away from 0 and 1",
            )  # fmt: skip
            return False
        self.check_init_loss(init_loss, baseline)
        self.check_saturation(acts, "at initialisation")
        self.check_dead(acts, "at initialisation")
        self.check_drift(acts)
        return True

    # ------------------------------------------------------------------ initial loss

    def check_init_loss(self, loss: float, baseline: float) -> None:
        t = self.t
        if baseline <= 0 or not math.isfinite(baseline):
            return
        ratio = loss / baseline
        if ratio > t.init_loss_ratio and loss - baseline > t.init_loss_excess:
            last = self.linears[-1][0] if self.linears else "(output)"
            self.add(
                "init-loss-high", "warning", last, "initial loss / uninformative loss", ratio,
                ">", t.init_loss_ratio,
                f"The initial loss {_g(loss)} is far above {_g(baseline)}, the loss of a "
                "uniform prediction (ln C for C classes): the output layer starts confidently "
                "wrong, and the first steps are spent shrinking it instead of learning.",
                f"scale the last layer's weights by 0.01 at init and zero its bias (layer "
                f"{last}: with ff.no_grad(): layer.weight.mul_(0.01); layer.bias.zero_())",
            )  # fmt: skip

    # ------------------------------------------------------------------ activations

    def check_saturation(self, acts: ActivationStats, when: str) -> None:
        if self.seen("activation-saturation"):
            return
        worst = self.worst(acts, "saturated", ("tanh", "sigmoid"))
        if worst is None or worst[1] <= self.t.saturated_fraction:
            return
        name, frac, kind = worst
        if kind == "tanh":
            fix = (
                "use kaiming init with nonlinearity='tanh' (gain 5/3) on the Linear layers "
                "feeding it: nn.init.kaiming_normal_(w, nonlinearity='tanh'), zero biases"
            )
        else:
            fix = (
                "use xavier init (nn.init.xavier_normal_(w), gain 1) with zero biases on the "
                "Linear layers feeding it, or add BatchNorm1d before the activation"
            )
        self.add(
            "activation-saturation", "warning", name, "saturated fraction", frac, ">",
            self.t.saturated_fraction,
            f"{frac:.0%} of the outputs of {kind} layer {name} sit in the flat tails {when} "
            "(their derivative is under 0.06), so those units pass almost no gradient back "
            "and stop learning.",
            fix,
        )  # fmt: skip

    def check_dead(self, acts: ActivationStats, when: str) -> None:
        if self.seen("dead-units"):
            return
        worst = self.worst(acts, "dead", ("relu",))
        if worst is None or worst[1] <= self.t.dead_fraction:
            return
        name, frac, _ = worst
        feeding = self.linear_before(name)
        target = f"{feeding}.bias" if feeding else "the biases"
        self.add(
            "dead-units", "warning", name, "dead fraction", frac, ">", self.t.dead_fraction,
            f"{frac:.0%} of the units of {name} never fired on {len(self.batches.window)} "
            f"batches {when}: a ReLU that is never positive has zero gradient, so those units "
            "never recover.",
            f"initialise {target} to zero (nn.init.zeros_) and the weights with kaiming init "
            "(nonlinearity='relu'); if units die during training, lower the learning rate or "
            "use LeakyReLU",
        )  # fmt: skip

    def check_drift(self, acts: ActivationStats) -> None:
        hidden = [n for n, _ in self.linears[:-1]]  # the output layer's scale is init-loss's
        stds = [float(np.mean(acts[n].std)) for n in hidden if acts[n].std]  # over the window
        if len(stds) < 2 or stds[0] <= 0:
            return
        ratios = np.array(stds) / stds[0]
        lo, hi = 1 / self.t.scale_drift, self.t.scale_drift
        off = np.flatnonzero((ratios < lo) | (ratios > hi))
        if not off.size:
            return
        first = int(off[0])
        value = float(ratios[first])
        shrinking = value < 1
        act = self.activation_after(hidden[0])
        gain = {
            "relu": "nonlinearity='relu' (gain sqrt(2))",
            "tanh": "nonlinearity='tanh' (gain 5/3)",
        }.get(act, "nonlinearity='linear' (gain 1)")
        self.add(
            "activation-scale-drift", "warning", hidden[first],
            "std / std of first layer", value, "<" if shrinking else ">", lo if shrinking else hi,
            f"The std of the Linear outputs {'shrinks' if shrinking else 'grows'} layer after "
            f"layer, from {_g(stds[0])} at {hidden[0]} to {_g(stds[first])} at {hidden[first]}:"
            " the init gain does not match the activation, so deep layers see "
            f"{'vanishing' if shrinking else 'exploding'} signals.",
            f"use kaiming init with {gain} on every hidden Linear "
            "(nn.init.kaiming_normal_(w, nonlinearity=...)), or add BatchNorm1d after each",
        )  # fmt: skip

    # ------------------------------------------------------------------ gradients

    def probe_gradients(self) -> bool:
        xb, yb = self.batches.window[0]
        grads = GradientStats(self.net)
        self.net.zero_grad()
        self.loss_fn(self.net(xb), yb).backward()
        if not all(_finite(p.grad) for p in self.net.parameters() if p.grad is not None):
            name = _first_nonfinite_grad_module(self.net, self.loss_fn, xb, yb)
            self.report_grad_nonfinite(name or "(model)", "at initialisation")
            return False
        grads.record(step=0)
        self.net.zero_grad()
        self.check_gradients(grads)
        return True

    def report_grad_nonfinite(self, name: str, when: str) -> None:
        self.add(
            "non-finite", "error", name, "non-finite gradient", 1, ">", 0,
            f"The forward pass is finite but the gradient becomes NaN/Inf in {name} {when}: its "
            "derivative is infinite at some inputs (sqrt or log at 0, division by ~0).",
            f"keep the input of {name} away from the singular point (e.g. x.clamp(min=1e-6) "
            "before sqrt/log, or add an epsilon)",
        )  # fmt: skip

    def check_gradients(self, grads: GradientStats) -> None:
        # hidden layers only: the output layer's weight scale is a free choice (scaling it by
        # 0.01, the init-loss fix, multiplies its gradient-to-data ratio by 100)
        weights = [
            (f"{n}.weight", grads.params[f"{n}.weight"].grad_to_data[0])
            for n, _ in self.linears[:-1]
            if f"{n}.weight" in grads.params
        ]
        weights = [(n, r) for n, r in weights if math.isfinite(r)]
        if not weights:
            return
        t = self.t
        names = [n for n, _ in weights]
        r = np.array([v for _, v in weights])
        i_min, i_max = int(r.argmin()), int(r.argmax())
        spread = r[i_max] / r[i_min] if r[i_min] > 0 else math.inf
        saturating = any(k in ("tanh", "sigmoid") for _, _, k in self.layers)
        if r[i_max] > t.grad_to_data_high or (spread > t.grad_spread and i_max < i_min):
            big = r[i_max] > t.grad_to_data_high
            self.add(
                "exploding-gradients", "warning", names[i_max],
                "grad/data ratio" if big else "gradient spread across layers",
                r[i_max] if big else spread, ">", t.grad_to_data_high if big else t.grad_spread,
                f"std(grad)/std(weight) reaches {_g(r[i_max])} at {names[i_max]} (smallest "
                f"{_g(r[i_min])} at {names[i_min]}): "
                + (
                    "one step at a modest learning rate would move those weights by more than "
                    "their own size."
                    if big
                    else "gradients grow towards the input, so a step that suits the last "
                    "layers throws the first ones around."
                ),
                "use kaiming init with the gain of your activation on every Linear "
                "(nn.init.kaiming_normal_(w, nonlinearity='relu')), add BatchNorm1d, and clip "
                "gradients (GradientClipping(max_norm=1.0))",
            )  # fmt: skip
        elif r[i_min] < t.grad_to_data_low or spread > t.grad_spread:
            tiny = r[i_min] < t.grad_to_data_low
            fix = (
                "replace the saturating activations by ReLU with kaiming init "
                "(nn.init.kaiming_normal_(w, nonlinearity='relu')), or add BatchNorm1d after "
                "each Linear"
                if saturating
                else "use kaiming init with the gain of your activation on every Linear, or "
                "add BatchNorm1d after each Linear"
            )
            self.add(
                "vanishing-gradients", "warning", names[i_min],
                "grad/data ratio" if tiny else "gradient spread across layers",
                r[i_min] if tiny else spread, "<" if tiny else ">",
                t.grad_to_data_low if tiny else t.grad_spread,
                f"std(grad)/std(weight) is {_g(r[i_min])} at {names[i_min]} but {_g(r[i_max])} "
                f"at {names[i_max]}: the gradient shrinks on its way back, so the early layers "
                "barely learn.",
                fix,
            )  # fmt: skip

    # ------------------------------------------------------------------ the short run

    def train(self) -> tuple[list[float], UpdateRatio, int | None]:
        """The short run: training losses, update ratios, the step it blew up at (or None)."""
        udr = UpdateRatio(self.net)
        losses: list[float] = []
        stream = self.batches.stream()
        diverged_at: int | None = None
        for step in range(self.steps):
            xb, yb = next(stream)
            if not _finite(xb):
                self.report_nonfinite_inputs(xb._data)
                diverged_at = step
                break
            self.opt.zero_grad()
            watch = _ForwardWatch(self.net)
            try:
                out = self.net(xb)
            finally:
                watch.detach()
            if watch.first is not None:
                self.report_forward_nonfinite(watch, f"at step {step}", step)
                diverged_at = step
                break
            loss = self.loss_fn(out, yb)
            value = float(loss)
            if not math.isfinite(value):
                self.add(
                    "non-finite", "error", "loss", "loss", value, ">", 0,
                    f"The outputs were finite at step {step} but the loss was not: they grew "
                    "out of the loss function's range (e.g. probabilities rounded to 0 or 1).",
                    "lower the learning rate (see lr-too-high); give the loss logits "
                    "(CrossEntropyLoss / BCEWithLogitsLoss) rather than probabilities",
                )  # fmt: skip
                diverged_at = step
                break
            loss.backward()
            if not all(_finite(p.grad) for p in self.net.parameters() if p.grad is not None):
                name = _first_nonfinite_grad_module(self.net, self.loss_fn, xb, yb)
                self.report_grad_nonfinite(name or "(model)", f"at step {step}")
                diverged_at = step
                break
            udr.step(self.opt)
            losses.append(value)
            bad = next((n for n, p in self.net.named_parameters() if not _finite(p)), None)
            if bad is not None:
                self.add(
                    "non-finite", "error", bad, "non-finite parameter", 1, ">", 0,
                    f"The update of step {step} made {bad} NaN/Inf: the step was far too large.",
                    "lower the learning rate (see lr-too-high) and clip gradients "
                    "(GradientClipping(max_norm=1.0))",
                )  # fmt: skip
                diverged_at = step + 1
                break
        self.summary.update(steps_run=len(losses))
        if diverged_at is not None:
            self.summary.update(diverged_at_step=diverged_at)
        return losses, udr, diverged_at

    def check_learning_rate(self, losses, udr: UpdateRatio, diverged_at, end: float) -> None:
        t = self.t
        per_step, first, fastest = self.update_ratios(udr)
        median = float(np.median(per_step)) if per_step else math.nan
        peak = max(per_step) if per_step else math.nan
        self.summary.update(update_ratio_median=median)
        # the loss over the probe window before and after the run
        start = self.summary["init_loss"]
        progress = (start - end) / abs(start) if start else 0.0
        if diverged_at is not None or not end <= t.loss_diverge * start:
            value = end / start if math.isfinite(end) else math.inf
            when = f" (non-finite at step {diverged_at})" if diverged_at is not None else ""
            self.lr_too_high(
                "error", "loss after / before the run", value, t.loss_diverge,
                f"The loss diverged{when}: each step overshoots the minimum by more than it "
                "gains.", first,
            )  # fmt: skip
        elif end > t.loss_rise * start:
            self.lr_too_high(
                "warning", "loss after / before the run", end / start, t.loss_rise,
                "The loss rose over the short run instead of falling: the steps overshoot.",
                first,
            )  # fmt: skip
        elif peak > t.update_ratio_peak:
            self.lr_too_high(
                "warning", "peak update/data log10 ratio", peak, t.update_ratio_peak,
                f"One step changed the weights by 10^{peak:.1f} of their scale, more than the "
                "weights themselves: that step threw away what they had, and can kill ReLU units "
                "for good.",
                first,
            )  # fmt: skip
        elif median > t.update_ratio_high:
            self.lr_too_high(
                "warning", "update/data log10 ratio", median, t.update_ratio_high,
                f"Each step changes the weights by 10^{median:.1f} of their scale ({fastest} "
                "moves fastest; healthy is about 10^-3), so they are rewritten every few steps.",
                first,
            )  # fmt: skip
        elif median < t.update_ratio_low and not progress > t.min_progress:
            lr = self.lr
            new = self.suggested_lr(first, default=lr * 100)
            self.add(
                "lr-too-low", "warning", "optimizer", "update/data log10 ratio", median, "<",
                t.update_ratio_low,
                f"Each step changes the weights by only 10^{median:.1f} of their scale "
                f"(healthy: about 10^-3) and the loss moved {progress:.1%} "
                f"in {len(losses)} steps: training would take forever.",
                f"raise the learning rate about {_times(new / lr)} (from {_g(lr)} to {_g(new)})",
                suggestion={"lr": new},
            )  # fmt: skip

    @property
    def lr(self) -> float:
        return float(self.opt.param_groups[0]["lr"])

    def suggested_lr(self, first_ratio: float | None, default: float) -> float:
        """The lr that moves the first step's update-to-data ratio to the target.

        The first step's update is proportional to the lr (lr * grad for SGD, about lr * sign
        for Adam), so the ratio moves by exactly log10 of the lr's change.
        """
        if first_ratio is None or not math.isfinite(first_ratio):
            return default
        return self.lr * 10 ** (self.t.update_ratio_target - first_ratio)

    def lr_too_high(self, severity, metric, value, threshold, why, first) -> None:
        lr = self.lr
        new = min(self.suggested_lr(first, default=lr / 100), lr / 10)
        self.add(
            "lr-too-high", severity, "optimizer", metric, value, ">", threshold, why,
            f"lower the learning rate about {_times(lr / new)} (from {_g(lr)} to {_g(new)})",
            suggestion={"lr": new},
        )  # fmt: skip

    def update_ratios(self, udr: UpdateRatio) -> tuple[list[float], float | None, str | None]:
        """Per step: the largest weight-matrix ratio; the first step's; the worst weight."""
        weights = {
            n: np.array(r)
            for n, r in udr.ratios.items()
            if self.net.get_parameter(n).ndim >= 2 and r
        }
        if not weights:
            return [], None, None
        table = np.stack(list(weights.values()))  # (weights, steps)
        table = np.where(np.isnan(table), -np.inf, table)
        per_step = [float(v) for v in table.max(axis=0) if math.isfinite(v)]
        first = float(table[:, 0].max()) if table.shape[1] else None
        medians = np.median(table, axis=1)
        worst = list(weights)[int(np.argmax(medians))]
        return per_step, first, worst

    def probe_after_training(self) -> float:
        """The probe window again: dead units appearing during training; returns the loss
        over the window (the same batches and mode as the initial loss, so the two compare
        without sampling noise)."""
        acts, watch, losses, _ = self.run_window()
        if watch.first is not None:
            self.report_forward_nonfinite(watch, "after training", self.steps)
            return math.nan
        self.check_dead(acts, f"after {self.steps} training steps")
        loss = float(np.mean(losses))
        self.summary.update(final_loss=loss)
        return loss

    # ------------------------------------------------------------------ train vs eval mode

    def check_eval_mode(self) -> None:
        mode_layers = [
            n for n, m in self.net.named_modules()
            if type(m).__name__.startswith(("Dropout", "AlphaDropout", "BatchNorm"))
        ]  # fmt: skip
        if not (self.model.training and mode_layers):
            return
        if self.summary.get("diverged_at_step") is not None:
            return
        xb, _ = self.batches.window[0]
        with ff.no_grad():
            self.net.eval()
            eval_out = self.net(xb)._data.copy()
            self.net.train()
            train_out = self.net(xb)._data.copy()
        changed = _predictions_changed(train_out, eval_out)
        t = self.t
        if changed <= t.eval_mode_info:
            return
        # dropout's noise is a real error source; BatchNorm's batch-vs-running statistics gap
        # after a short run mostly reflects the running averages lagging the moving weights
        dropout = any("Dropout" in type(m).__name__ for m in self.net.modules())
        severity = "warning" if dropout and changed > t.eval_mode_warning else "info"
        self.add(
            "eval-mode-forgotten", severity, mode_layers[0], "predictions changed", changed, ">",
            t.eval_mode_info,
            f"The model is in training mode: predicting like this, {mode_layers[0]} (Dropout/"
            f"BatchNorm) makes {changed:.0%} of the predictions differ from eval mode.",
            "call model.eval() before predicting or evaluating (and model.train() before "
            "training again); Learner.predict / evaluate do this for you",
        )  # fmt: skip

    # ------------------------------------------------------------------ small helpers

    def seen(self, code: str) -> bool:
        return any(f.code == code for f in self.findings)

    @staticmethod
    def worst(acts: ActivationStats, stat: str, kinds: tuple[str, ...]):
        """(layer, value, kind) of the layer with the largest ``stat`` over the window: the
        mean over its records for "saturated", the last record (the whole window) for "dead"."""
        best = None
        for r in acts:
            values = getattr(r, stat)
            if r.kind not in kinds or not values:
                continue
            value = float(np.mean(values)) if stat == "saturated" else values[-1]
            if math.isfinite(value) and (best is None or value > best[1]):
                best = (r.name, value, r.kind)
        return best

    def linear_before(self, name: str) -> str | None:
        """The Linear layer closest before ``name`` in definition order."""
        before = None
        for n, _, k in self.layers:
            if n == name:
                return before
            if k == "linear":
                before = n
        return before

    def activation_after(self, name: str) -> str | None:
        """The kind of the first activation after ``name`` (skipping normalisation)."""
        seen = False
        for n, _, k in self.layers:
            if seen and k not in ("norm", "linear"):
                return k
            seen = seen or n == name
        return None
