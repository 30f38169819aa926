"""A sink that writes the epoch table as CSV, one row per finished epoch."""

from __future__ import annotations

import csv
from typing import TextIO

from .events import EpochEnded, Event

CSV_HEADER = ("epoch", "loss", "loss_delta", "words_per_sec", "epoch_seconds", "elapsed_seconds", "alpha")


class CsvEpochWriter:
    """Append each EpochEnded event to a CSV file, flushed row by row.

    A loss that was not measured is written as an empty field, never as 0.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: TextIO = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - open for the whole run
        self._writer = csv.writer(self._file)
        self._writer.writerow(CSV_HEADER)
        self._file.flush()

    def __call__(self, event: Event) -> None:
        if not isinstance(event, EpochEnded):
            return
        self._writer.writerow(
            (
                event.epoch,
                _number(event.loss),
                _number(event.loss_delta),
                f"{event.words_per_sec:.1f}",
                f"{event.epoch_seconds:.3f}",
                f"{event.elapsed_seconds:.3f}",
                f"{event.alpha:.6g}",
            )
        )
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)
