"""``History``: what ``Learner.fit`` measured, one dict per epoch.

>>> history = learn.fit(5)
>>> history[-1]
{'epoch': 5, 'train_loss': 0.31, 'valid_loss': 0.35, 'lr': 0.001, 'time': 0.8}
>>> history["valid_loss"]          # one column, as a list
>>> history.best("valid_loss")     # the record of the best epoch
>>> history.to_csv("history.csv"); history.to_json("history.json")
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from typing import Any

__all__ = ["History", "infer_mode"]

# metrics where smaller is better; everything else (accuracy, f1, r2, ...) is better larger
_LOWER_IS_BETTER = ("loss", "mse", "mae", "error", "time")


def infer_mode(monitor: str) -> str:
    """``"min"`` for losses and errors, ``"max"`` for scores such as accuracy."""
    return "min" if any(word in monitor for word in _LOWER_IS_BETTER) else "max"


class History(list):
    """A list of per-epoch records (dicts) plus ``stop_reason`` (why fit ended early, or None).

    Each record holds ``epoch`` (1-based), ``train_<metric>`` and ``valid_<metric>`` for every
    metric, ``lr`` (of the first parameter group at the end of the epoch) and ``time`` (seconds).
    """

    def __init__(self, records: Any = (), stop_reason: str | None = None) -> None:
        super().__init__(dict(r) for r in records)
        self.stop_reason = stop_reason

    def __getitem__(self, key):
        if isinstance(key, str):  # a column: history["valid_loss"]
            if not any(key in r for r in self):
                raise KeyError(f"History has no column {key!r}; columns: {self.columns}")
            return [r.get(key) for r in self]
        return super().__getitem__(key)

    def __repr__(self) -> str:
        return f"History({list.__repr__(self)}, stop_reason={self.stop_reason!r})"

    @property
    def columns(self) -> list[str]:
        """Every key seen, in order of first appearance."""
        return list(dict.fromkeys(k for r in self for k in r))

    def best(self, monitor: str = "valid_loss", mode: str = "auto") -> dict[str, Any]:
        """The record of the epoch with the best ``monitor`` value (the first one on ties).

        Args:
            mode: ``"min"``, ``"max"`` or ``"auto"`` (min for losses/errors, max otherwise).
        """
        mode = infer_mode(monitor) if mode == "auto" else mode
        if mode not in ("min", "max"):
            raise ValueError(f"History.best: mode must be 'min', 'max' or 'auto', got {mode!r}")
        scored = [r for r in self if _finite(r.get(monitor))]
        if not scored:
            raise ValueError(f"History.best: no epoch has a finite {monitor!r}")
        pick = min if mode == "min" else max
        return pick(scored, key=lambda r: r[monitor])

    # ------------------------------------------------------------------ files

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write one row per epoch (header: :attr:`columns`), atomically."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self)
        _atomic_write_text(path, out.getvalue())

    def to_json(self, path: str | os.PathLike) -> None:
        """Write ``{"epochs": [records], "stop_reason": ...}`` as strict JSON, atomically.

        Non-finite numbers (a NaN loss) become ``null``: strict JSON has no NaN.
        """
        doc = {
            "epochs": [{k: _jsonable(v) for k, v in r.items()} for r in self],
            "stop_reason": self.stop_reason,
        }
        _atomic_write_text(path, json.dumps(doc, indent=1, allow_nan=False) + "\n")

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> History:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        return cls(doc["epochs"], doc.get("stop_reason"))

    # ------------------------------------------------------------------ checkpoints

    def state_dict(self) -> dict[str, Any]:
        return {"epochs": [dict(r) for r in self], "stop_reason": self.stop_reason or ""}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self[:] = [dict(r) for r in state["epochs"]]
        self.stop_reason = state.get("stop_reason") or None


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and math.isfinite(v)


def _jsonable(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def _atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it over ``path``."""
    path = os.fspath(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)
