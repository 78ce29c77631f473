"""``CSVLogger``: keep a CSV file of the history, one row per epoch, written as training goes."""

from __future__ import annotations

import os

from feedforward.train.callback import Callback

__all__ = ["CSVLogger"]


class CSVLogger(Callback):
    """Rewrite ``path`` (atomically) with the whole history after every epoch.

    Args:
        path: the CSV file (header: ``epoch, train_loss, valid_loss, ..., lr, time``).
        json_path: also keep the history (with ``stop_reason``) as JSON here.
    """

    order = 70

    def __init__(self, path: str | os.PathLike, json_path: str | os.PathLike | None = None) -> None:
        self.path, self.json_path = path, json_path

    def after_epoch(self, learn) -> None:
        learn.history.to_csv(self.path)
        if self.json_path is not None:
            learn.history.to_json(self.json_path)

    def after_fit(self, learn) -> None:
        if self.json_path is not None:  # stop_reason is known only now
            learn.history.to_json(self.json_path)
