"""``feedforward train``: train an MLP on a data set and report its test metrics.

The job: load the data and cut it into train / valid / test splits, standardise the inputs with
the training split's statistics, build the MLP, train it with a :class:`feedforward.train.Learner`
(checkpointing as it goes), measure it on the test split, and write everything into the run
directory (see :mod:`feedforward.cli.rundir`).
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import feedforward as ff
from feedforward import nn
from feedforward.cli import plots, rundir
from feedforward.cli.config import LOSSES, OPTIONS, add_options, resolve, write_toml
from feedforward.cli.data import Data, fit_normalizer, load_data
from feedforward.cli.errors import CLIError
from feedforward.cli.model import architecture, build_mlp, count_parameters
from feedforward.utils.data import DataLoader, TensorDataset

__all__ = ["add_parser", "run", "Job", "prepare", "make_learner", "test_metrics", "EVAL_BATCH"]

EVAL_BATCH = 1024  # batch size for measuring (train and evaluate use the same, so they agree)
# What may change when a run is resumed; the rest must stay as the run was started.
RESUMABLE = ("epochs", "early_stopping", "quiet", "out", "download", "data_dir")
# Not part of the job, so not written to the run's config.toml.
NOT_SAVED = ("out", "quiet")

DESCRIPTION = """\
Train a multilayer perceptron and report its test metrics. With no options it trains on
scikit-learn's bundled 8x8 digits (offline, in seconds) and prints the test accuracy.

Inputs are standardised with the training split's mean and std (one scalar for images, else
per feature), stored with the model. The task is classification for text or integer targets
and regression otherwise (see --task). The run directory (--out) receives config.toml,
model.safetensors + model.json, checkpoint.safetensors (best epoch), last.safetensors (for
--resume), history.csv/.json, metrics.json and the plots loss.png, metrics.png,
confusion_matrix.png (classification) and lr_find.png (with --lr auto).

Every option can also be set in a TOML file given with --config (same names, e.g.
batch_size = 128, hidden = [256, 128]); the command line wins over the file."""


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "train",
        help="train an MLP and report its test metrics",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        metavar="FILE.toml",
        help="read options from a TOML file (the command line wins)",
    )
    add_options(parser, OPTIONS)
    group = parser.add_argument_group("run directory")
    group.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its last checkpoint, with its "
        "config.toml (raise --epochs to train longer)",
    )
    group.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    group.add_argument(
        "--diagnostics",
        action="store_true",
        help="record activation, gradient and update statistics every 10th batch and write "
        "their plots (activation_histograms.png, colorful_dimension.png, ...) to the run dir",
    )
    parser.set_defaults(run=run)
    return parser


# -- the job, shared with lr-find ---------------------------------------------------------------


@dataclass
class Job:
    """Everything a training run is made of, before the Learner."""

    options: dict[str, Any]
    data: Data
    normalizer: Any
    arch: dict[str, Any]
    model: nn.Module
    loss_fn: nn.Module
    metrics: tuple[str, ...]
    train: DataLoader
    valid: DataLoader | None
    test: DataLoader

    @property
    def task(self) -> str:
        return self.data.task

    def meta(self) -> dict[str, Any]:
        """The model's description for ``model.json``."""
        norm = self.normalizer
        return {
            "task": self.task,
            "architecture": self.arch,
            "loss": self.options["loss"],
            "metrics": list(self.metrics),
            "data": self.data.name,
            "feature_names": self.data.feature_names,
            "target_name": self.data.target_name,
            "classes": self.data.classes,
            "image_shape": list(self.data.image_shape) if self.data.image_shape else None,
            "normalization": {
                "kind": "standardize",
                "per_feature": norm.mean.size > 1,
                "mean": norm.mean.reshape(-1).astype(float).tolist(),
                "std": norm.std.reshape(-1).astype(float).tolist(),
            },
            "splits": {
                "train": len(self.train.dataset),
                "valid": 0 if self.valid is None else len(self.valid.dataset),
                "test": len(self.test.dataset),
            },
        }


def prepare(options: dict[str, Any], say: Any = print) -> Job:
    """Load and normalise the data, build the model and the loss: a :class:`Job`."""
    ff.manual_seed(options["seed"])
    data = load_data(options)
    normalizer = fit_normalizer(data)
    loss_name = options.get("loss") or ("cross-entropy" if data.task == "classification" else "mse")
    if LOSSES[loss_name] != data.task:
        raise CLIError(
            f"--loss {loss_name} is for {LOSSES[loss_name]}, but {data.name} is a "
            f"{data.task} task (target {data.target_name!r}); see --task"
        )
    options["loss"] = loss_name
    if data.task == "classification":
        out_features, scale, metrics = len(data.classes), None, ("loss", "accuracy")
        if out_features < 2:
            raise CLIError(
                f"{data.name}: the target {data.target_name!r} has a single class "
                f"({data.classes[0]!r}); nothing to classify"
            )
    else:
        y = data.train[1].astype(np.float64)
        std = float(y.std()) or 1.0
        out_features, scale, metrics = 1, (std, float(y.mean())), ("loss", "mae", "r2")
    arch = architecture(data.num_features, out_features, options, scale)
    model = build_mlp(arch)
    say(_summary(data, model))

    def loader(pair: Any, shuffle: bool) -> DataLoader:
        x = normalizer.transform(pair[0])
        y = pair[1] if data.task == "classification" else pair[1].reshape(-1, 1)
        dataset = TensorDataset(ff.from_numpy(np.ascontiguousarray(x)), ff.from_numpy(y))
        if shuffle:
            generator = ff.Generator().manual_seed(options["seed"])
            return DataLoader(
                dataset, batch_size=options["batch_size"], shuffle=True, generator=generator
            )
        return DataLoader(dataset, batch_size=EVAL_BATCH)

    valid = None if data.valid is None else loader(data.valid, False)
    return Job(
        options,
        data,
        normalizer,
        arch,
        model,
        make_loss(loss_name),
        metrics,
        loader(data.train, True),
        valid,
        loader(data.test, False),
    )


def make_loss(name: str) -> nn.Module:
    return {
        "cross-entropy": nn.CrossEntropyLoss,
        "mse": nn.MSELoss,
        "l1": nn.L1Loss,
        "huber": nn.HuberLoss,
        "smooth-l1": nn.SmoothL1Loss,
    }[name]()


def optimizer_factory(options: dict[str, Any]) -> Any:
    """``opt_func(params, lr=...)`` for the Learner, with the options' extras bound."""
    name, extras = options["optimizer"], {}
    if options.get("weight_decay") is not None:
        extras["weight_decay"] = options["weight_decay"]
    if name == "sgd":
        extras["momentum"] = options["momentum"]
    cls = {
        "adam": ff.optim.Adam,
        "adamw": ff.optim.AdamW,
        "rmsprop": ff.optim.RMSprop,
        "sgd": ff.optim.SGD,
    }[name]
    return functools.partial(cls, **extras) if extras else cls


def make_learner(job: Job, lr: float, callbacks: list[Any] = (), quiet: bool = True) -> Any:
    """A Learner for the job; unless ``quiet``, it prints a line per epoch on stdout (and shows
    a progress bar when stdout is a terminal)."""
    from feedforward.train import Learner
    from feedforward.train.callbacks import ProgressCallback

    callbacks = list(callbacks)
    if not quiet:
        callbacks.append(ProgressCallback(bar=sys.stdout.isatty(), file=sys.stdout))
    return Learner(
        job.model,
        job.train,
        job.valid,
        loss_fn=job.loss_fn,
        opt_func=optimizer_factory(job.options),
        lr=lr,
        metrics=job.metrics,
        callbacks=callbacks,
        seed=job.options["seed"],
        quiet=quiet,
    )


def test_metrics(learn: Any, job: Job) -> dict[str, Any]:
    """The metrics of the test split (what metrics.json holds)."""
    values = learn.evaluate(job.test)
    return {
        "split": "test",
        "examples": len(job.test.dataset),
        **{k: float(v) for k, v in values.items()},
    }


def _summary(data: Data, model: nn.Module) -> str:
    sizes = [len(data.train[0]), 0 if data.valid is None else len(data.valid[0]), len(data.test[0])]
    what = (
        f"{len(data.classes)} classes"
        if data.classes is not None
        else f"regression of {data.target_name!r}"
    )
    total, _ = count_parameters(model)
    return (
        f"data: {data.name}: {sizes[0]} train / {sizes[1]} valid / {sizes[2]} test, "
        f"{data.num_features} features, {what}; model: {total:,} parameters"
    )


# -- callbacks of the command line --------------------------------------------------------------


def _schedule(options: dict[str, Any], lr: float, steps_per_epoch: int) -> Any | None:
    """The LR schedule callback of ``--schedule`` (None for ``none``)."""
    from feedforward.train.callbacks import LRSchedulerCallback, OneCycle

    name, epochs = options["schedule"], options["epochs"]
    if name == "none":
        return None
    if name == "onecycle":
        return OneCycle(max_lr=lr)  # over the whole fit: epochs x batches
    sched = ff.optim.lr_scheduler
    if name == "cosine":
        return LRSchedulerCallback(
            lambda opt: sched.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch),
            interval="batch",
        )
    return LRSchedulerCallback(
        lambda opt: sched.StepLR(opt, step_size=max(1, math.ceil(epochs / 3)), gamma=0.1),
        interval="epoch",
    )


def _callbacks(job: Job, run_dir: Path, lr: float) -> list[Any]:
    from feedforward.train.callbacks import EarlyStopping, ModelCheckpoint, TerminateOnNaN

    options = job.options
    monitor = "valid_loss" if job.valid is not None else "train_loss"
    # last.safetensors after every epoch (for --resume), checkpoint.safetensors at the best one
    callbacks: list[Any] = [
        TerminateOnNaN(),
        ModelCheckpoint(
            run_dir / rundir.LAST,
            monitor=monitor,
            save_best=True,
            save_last=True,
            best_path=run_dir / rundir.CHECKPOINT,
        ),
    ]
    if options["early_stopping"] is not None:
        if job.valid is None:
            raise CLIError("--early-stopping needs a validation split; see --split")
        callbacks.append(
            EarlyStopping(
                monitor="valid_loss", patience=options["early_stopping"], restore_best_weights=True
            )
        )
    schedule = _schedule(options, lr, len(job.train))
    if schedule is not None:
        callbacks.append(schedule)
    return callbacks


# -- the command --------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    if args.resume:
        if args.out is None:
            raise CLIError("--resume needs --out RUN_DIR, the run to continue")
        base = rundir.read_config(args.out)
    else:
        base = None
    options = resolve(args, OPTIONS, base)
    if base is not None:
        _check_resume(options, base)
    say = (lambda *a: None) if options["quiet"] else print
    run_dir = (
        Path(options["out"]) if args.resume else rundir.new_run_dir(options["out"], args.overwrite)
    )
    job = prepare(options, say)
    run_dir.mkdir(parents=True, exist_ok=True)
    lr = options["lr"]
    if lr == "auto":
        lr = _find_lr(job, run_dir, say)
        options["lr"] = lr
    _write_config(options, run_dir, base)
    callbacks = _callbacks(job, run_dir, lr)
    diagnostics = None
    if getattr(args, "diagnostics", False):
        from feedforward.diagnostics import DiagnosticsCallback

        diagnostics = DiagnosticsCallback(every=10)
        callbacks.append(diagnostics)
    learn = make_learner(job, lr, callbacks, quiet=options["quiet"])
    done = _resume(learn, run_dir, options) if args.resume else 0
    say(f"training epochs {done + 1}-{options['epochs']}, lr {lr:g}; run directory {run_dir}")
    learn.fit(options["epochs"])  # after a resume: the epochs the saved run had left
    if (learn.stop_reason or "").startswith("TerminateOnNaN"):
        raise CLIError(f"training diverged ({learn.stop_reason}); try a smaller --lr")
    if diagnostics is not None:
        _try_plot(lambda: diagnostics.plot(run_dir), say)
    _finish(learn, job, run_dir, say)
    return 0


def _check_resume(options: dict[str, Any], base: dict[str, Any]) -> None:
    for name, value in options.items():
        if name not in RESUMABLE and name in base and base[name] != value:
            raise CLIError(
                f"--resume continues the run as it was started; "
                f"{OPTIONS[name].flag} can't change from {base[name]!r} to {value!r} "
                f"(changeable: --{', --'.join(r.replace('_', '-') for r in RESUMABLE)})"
            )


def _resume(learn: Any, run_dir: Path, options: dict[str, Any]) -> int:
    """Load the last checkpoint; returns the number of epochs it had done."""
    last = run_dir / rundir.LAST
    if not last.is_file():
        raise CLIError(f"{run_dir} has no {rundir.LAST} to resume from")
    learn.load_checkpoint(last)
    done = len(learn.history)
    if done >= options["epochs"]:
        raise CLIError(
            f"{run_dir} has already trained {done} epochs; give a larger --epochs to train longer"
        )
    return done


def _find_lr(job: Job, run_dir: Path | None, say: Any, **kwargs: Any) -> float:
    """Run the learning-rate finder; the model's weights are put back afterwards."""
    saved = {k: v.clone() for k, v in job.model.state_dict().items()}
    result = make_learner(job, 1e-3).lr_find(**kwargs)
    job.model.load_state_dict(saved)
    suggestions = ", ".join(f"{k} {v:.3g}" for k, v in result.suggestions.items())
    say(f"lr finder: {suggestions}; using {result.suggested:.3g} ({result.agreement})")
    if run_dir is not None:
        _try_plot(lambda: result.plot(run_dir / "lr_find.png"), say)
    return float(result.suggested)


def _write_config(options: dict[str, Any], run_dir: Path, base: dict[str, Any] | None) -> None:
    saved = {k: v for k, v in options.items() if k not in NOT_SAVED}
    data = saved["data"]
    if ":" in data:  # absolute, so that the run can be evaluated from anywhere
        kind, path = data.split(":", 1)
        saved["data"] = f"{kind}:{Path(path).expanduser().resolve()}"
    if saved.get("data_dir") is not None:
        saved["data_dir"] = str(Path(saved["data_dir"]).expanduser().resolve())
    header = f"feedforward {ff.__version__}: the options of this run"
    write_toml(saved, run_dir / rundir.CONFIG, header)


def _finish(learn: Any, job: Job, run_dir: Path, say: Any) -> None:
    history = learn.history
    history.to_csv(run_dir / rundir.HISTORY_CSV)
    history.to_json(run_dir / rundir.HISTORY_JSON)
    rundir.write_model(run_dir, job.model, job.meta())
    metrics = test_metrics(learn, job)
    rundir.write_json(metrics, run_dir / rundir.METRICS)
    _try_plot(lambda: _plots(learn, job, run_dir), say)
    print(final_line(metrics, job.task))
    say(f"saved the run to {run_dir}")


def final_line(metrics: dict[str, Any], task: str) -> str:
    """``test accuracy: 0.9611  (loss 0.1234, 180 examples)`` or the regression equivalent."""
    main_metric = "accuracy" if task == "classification" else "r2"
    rest = ", ".join(
        f"{k} {v:.4g}" for k, v in metrics.items() if k not in (main_metric, "split", "examples")
    )
    return (
        f"{metrics['split']} {main_metric}: {metrics[main_metric]:.4f}  "
        f"({rest}, {metrics['examples']} examples)"
    )


def _plots(learn: Any, job: Job, run_dir: Path) -> None:
    plots.plot_loss(learn.history, run_dir / "loss.png")
    plots.plot_metrics(learn.history, job.metrics, run_dir / "metrics.png")
    if job.task == "classification":
        x, y = job.test.dataset.tensors
        predicted = learn.predict(x).numpy().argmax(axis=1)
        counts = plots.confusion_counts(predicted, y.numpy(), len(job.data.classes))
        plots.plot_confusion_matrix(counts, job.data.classes, run_dir / "confusion_matrix.png")


def _try_plot(draw: Any, say: Any) -> None:
    try:
        draw()
    except ImportError as e:  # matplotlib missing (plots.PlotUnavailable or the finder's own)
        print(f"feedforward: warning: {e}; no plots written", file=sys.stderr)
