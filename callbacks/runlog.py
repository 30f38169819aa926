"""The run log: every event as one JSON object per line, append-only.

Writing the same events that the screen receives means a second terminal, or
a later replay, can rebuild exactly the screen of the live run from this file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Iterator
from typing import IO, Any

from . import events as event_types
from .events import Event, Neighbour, ProbeNeighbours

SCHEMA_VERSION = 1
"""Version of the line format; bump it when a field changes meaning or is removed."""

_EVENT_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        event_types.RunStarted,
        event_types.VocabularyProgressed,
        event_types.VocabularyBuilt,
        event_types.EpochStarted,
        event_types.EpochProgressed,
        event_types.EpochEnded,
        event_types.EpochEvaluated,
        event_types.EarlyStopChecked,
        event_types.Paused,
        event_types.Resumed,
        event_types.StopRequested,
        event_types.ModelSaved,
        event_types.CheckpointSaved,
        event_types.RunResumed,
        event_types.RunFinished,
        event_types.RunFailed,
        event_types.LogRecorded,
    )
}


class RunLogError(Exception):
    """A run log line cannot be read; the message names the file and line."""


def event_to_json(event: Event) -> str:
    """Return *event* as one line of JSON (without the newline)."""
    record = {"schema": SCHEMA_VERSION, "event": type(event).__name__}
    record.update(dataclasses.asdict(event))
    return json.dumps(record, ensure_ascii=False, allow_nan=True)


def event_from_json(line: str) -> Event:
    """Rebuild the event written by ``event_to_json``; raise ValueError on an unknown line."""
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError("a run log line must be a JSON object")
    schema = record.pop("schema", None)
    if schema != SCHEMA_VERSION:
        raise ValueError(f"run log schema {schema!r} is not supported; this version reads schema {SCHEMA_VERSION}")
    name = record.pop("event", None)
    cls = _EVENT_CLASSES.get(str(name))
    if cls is None:
        raise ValueError(f"unknown event type {name!r}")
    # JSON has no tuples, and nested dataclasses come back as plain objects.
    if cls is event_types.EpochEnded:
        record["probes"] = [_probe_from_dict(item) for item in record["probes"]]
    for key in ("probes", "probe_counts", "metrics"):
        if isinstance(record.get(key), list):
            record[key] = tuple(record[key])
    event: Event = cls(**record)
    return event


def _probe_from_dict(item: dict[str, Any]) -> ProbeNeighbours:
    neighbours = tuple(Neighbour(**neighbour) for neighbour in item["neighbours"])
    # Logs written before document probes existed have no kind or excerpt.
    return ProbeNeighbours(
        item["probe"],
        neighbours,
        item["count"],
        item["in_vocabulary"],
        kind=item.get("kind", "word"),
        excerpt=item.get("excerpt", ""),
    )


class RunLogWriter:
    """A sink that appends each event to a file and flushes it as written."""

    def __init__(self, path: str) -> None:
        self.path = path
        _cut_torn_line(path)
        self._file: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run

    def __call__(self, event: Event) -> None:
        self._file.write(event_to_json(event) + "\n")
        self._file.flush()

    def close(self) -> None:
        """Flush to disk and close the file."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()


def _cut_torn_line(path: str) -> None:
    """Remove a last line that a killed process left without its newline.

    A resumed run appends to the same log. Without the cut, its first event
    would join the torn line and make a broken line in the middle of the log.
    """
    try:
        with open(path, "rb+") as handle:
            end = handle.seek(0, os.SEEK_END)
            position = end
            # Search backwards for the last newline, a block at a time.
            while position > 0:
                start = max(0, position - 65536)
                handle.seek(start)
                newline = handle.read(position - start).rfind(b"\n")
                if newline >= 0:
                    position = start + newline + 1
                    break
                position = start
            if position < end:
                handle.truncate(position)
    except FileNotFoundError:
        return


def read_run_log(path: str) -> Iterator[Event]:
    """Yield the events of a run log in order; a torn last line (a crash mid-write) is skipped."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.readlines()
    for number, line in enumerate(lines, start=1):
        if not line.endswith("\n"):
            return
        try:
            yield event_from_json(line)
        except (ValueError, TypeError) as error:
            raise RunLogError(f"{path}: line {number} is not a gensim-tui event: {error}") from None


class TextLogWriter:
    """A sink that appends gensim's log records to a plain text file, flushed line by line."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run

    def __call__(self, event: Event) -> None:
        if not isinstance(event, event_types.LogRecorded):
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(event.created))
        self._file.write(f"{stamp} {event.level} {event.name}: {event.message}\n")
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        self._file.close()
