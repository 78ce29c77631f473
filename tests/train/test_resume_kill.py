"""Kill a training process with SIGKILL at random moments; resuming gives the same weights.

A run that is killed (several times, each resumed run killed again) and resumed from its last
checkpoint must end with weights bitwise identical to those of a run never interrupted, and the
same history. The kills land anywhere: mid-batch, mid-validation, or while a checkpoint is being
written (which ff.save does atomically).
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import feedforward as ff

SCRIPT = Path(__file__).with_name("resume_script.py")
ROOT = Path(__file__).resolve().parents[2]
TOTAL_STEPS = 320

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _start(work: Path, resume: bool) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    args = [sys.executable, str(SCRIPT), str(work)] + (["--resume"] if resume else [])
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _steps_done(work: Path) -> int:
    try:
        text = (work / "progress").read_text().strip()
    except FileNotFoundError:
        return 0
    return int(text) if text else 0


def _finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


def _kill_after(proc: subprocess.Popen, work: Path, target: int, rng: random.Random) -> int:
    """SIGKILL ``proc`` a random moment after it has done ``target`` steps; returns the steps
    it had reported done when it died."""
    deadline = time.monotonic() + 60
    while _steps_done(work) < target:
        assert proc.poll() is None, f"the run ended before step {target}: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.0005)
    time.sleep(rng.uniform(0, 0.004))  # somewhere within the next few steps
    assert proc.poll() is None, f"the run ended before it could be killed at step {target}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    return _steps_done(work)


def test_killed_and_resumed_run_is_bitwise_identical(tmp_path):
    reference_dir, work = tmp_path / "reference", tmp_path / "killed"
    reference_dir.mkdir()
    work.mkdir()
    _finish(_start(reference_dir, resume=False))
    reference = ff.load(reference_dir / "final.safetensors")

    rng = random.Random()
    # four kill points at least 10 steps apart, past the first checkpoint (step 3)
    targets = sorted(t + rng.randrange(10) for t in rng.sample(range(5, TOTAL_STEPS - 40, 10), 4))
    killed_at, resumed_from = [], []
    proc = _start(work, resume=False)
    for target in targets:
        killed_at.append(_kill_after(proc, work, target, rng))
        proc = _start(work, resume=True)
        line = proc.stdout.readline()  # "resumed from step N", once it has loaded
        resumed_from.append(int(line.split()[-1]) if line.startswith("resumed") else 0)
    _finish(proc)

    final = ff.load(work / "final.safetensors")
    why = f"killed after steps {killed_at}, resumed from steps {resumed_from}"
    assert list(final["model"]) == list(reference["model"])
    for name, value in reference["model"].items():
        assert np.array_equal(final["model"][name].numpy(), value.numpy()), f"{name}: {why}"
    assert final["history"] == reference["history"], why
    assert len(final["history"]) == 20
    # each resume started from the last checkpoint (every 3 steps; the progress file is written
    # just after the checkpoint of a step)
    assert all(done - 2 <= step <= done + 1 for step, done in zip(resumed_from, killed_at)), why
