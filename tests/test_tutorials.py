"""The PyTorch tutorials' code runs on feedforward unchanged: each script in tests/tutorials/ is
torch code (it runs on torch), and run again with ``torch`` and its submodules bound to
feedforward's it runs too and prints the same things, numbers aside (the random numbers differ)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = sorted((Path(__file__).parent / "tutorials").glob("*.py"))
# what `import torch`, `from torch import nn`, `import torch.nn.functional as F`, ... find
AS_TORCH = """
import importlib, runpy, sys
import feedforward
for name in ("", ".nn", ".nn.functional", ".nn.init", ".optim", ".optim.lr_scheduler",
             ".utils", ".utils.data", ".autograd", ".linalg"):
    sys.modules["torch" + name] = importlib.import_module("feedforward" + name)
runpy.run_path(sys.argv[1], run_name="__main__")
assert "torch._C" not in sys.modules, "the real torch was imported"
"""
NUMBER = re.compile(r"-?\d+(\.\d*)?(e[+-]?\d+)?")


def run(script: Path, cwd: Path, as_torch: bool) -> str:
    command = ["-c", AS_TORCH, str(script)] if as_torch else [str(script)]
    result = subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, cwd=cwd, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def skeleton(output: str) -> str:
    """The output without its numbers, memory addresses, library name and layout (how many
    numbers fit on a line, and so where lines break, depends on their values)."""
    output = output.replace("feedforward", "torch")
    output = re.sub(r" object at 0x[0-9a-f]+", "", output)
    return re.sub(r"\s+", "", NUMBER.sub("#", output))


@pytest.mark.parametrize("script", TUTORIALS, ids=[s.stem for s in TUTORIALS])
def test_tutorial_runs_on_feedforward_as_on_torch(script, tmp_path):
    (tmp_path / "torch").mkdir()
    (tmp_path / "ff").mkdir()
    theirs = run(script, tmp_path / "torch", as_torch=False)
    ours = run(script, tmp_path / "ff", as_torch=True)
    assert skeleton(ours) == skeleton(theirs)
