"""A small training run for test_resume_kill.py: killed at random moments, resumed each time.

    python resume_script.py WORKDIR            # train from scratch
    python resume_script.py WORKDIR --resume   # continue from WORKDIR/run.ckpt if it exists

A tiny MLP with Dropout on synthetic data, shuffled every epoch, Adam with a OneCycle schedule,
a checkpoint every 3 optimizer steps. ``WORKDIR/progress`` holds the number of steps done (for
the test to know when to kill); the final weights and history go to ``WORKDIR/final.safetensors``.
"""

import sys
from pathlib import Path

import numpy as np

import feedforward as ff
from feedforward import nn
from feedforward.train import Callback, Learner
from feedforward.train.callbacks import ModelCheckpoint, OneCycle

EPOCHS = 20  # 16 batches each: 320 steps
EVERY = 3


class Progress(Callback):
    """Write the step count after every batch (after the checkpoint of that step)."""

    order = 100

    def __init__(self, path: Path) -> None:
        self.file = open(path, "w")  # noqa: SIM115 (kept open for the whole run)

    def after_batch(self, learn) -> None:
        if learn.training:
            self.file.seek(0)
            self.file.write(f"{learn.step:8d}")
            self.file.flush()


def main() -> None:
    work = Path(sys.argv[1])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(320, 8)).astype(np.float32)
    y = (x @ rng.normal(size=(8, 3))).argmax(1)
    ff.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.25), nn.Linear(32, 3))
    checkpoint = work / "run.ckpt"
    learn = Learner(
        model,
        (x[:256], y[:256]),
        (x[256:], y[256:]),
        metrics=("loss", "accuracy"),
        callbacks=[
            OneCycle(1e-2),
            ModelCheckpoint(checkpoint, save_best=False, every_n_batches=EVERY),
            Progress(work / "progress"),
        ],
        batch_size=16,
        seed=0,
        quiet=True,
    )
    if "--resume" in sys.argv and checkpoint.exists():
        learn.load_checkpoint(checkpoint)
        print(f"resumed from step {learn.step}", flush=True)
    learn.fit(EPOCHS)
    history = [{k: v for k, v in r.items() if k != "time"} for r in learn.history]
    ff.save({"model": model.state_dict(), "history": history}, work / "final.safetensors")


if __name__ == "__main__":
    main()
