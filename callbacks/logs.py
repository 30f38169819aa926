"""Route gensim's log records to event sinks instead of the terminal."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .events import Event, LogRecorded

LOGGERS = ("gensim", "gensim_tui", "smart_open", "py.warnings")


class EventLogHandler(logging.Handler):
    """A logging handler that turns each record into a LogRecorded event."""

    def __init__(self, emit: Callable[[Event], None], level: int = logging.INFO) -> None:
        super().__init__(level)
        self._emit = emit

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        self._emit(LogRecorded(record.created, record.levelname, record.name, message))


@contextmanager
def captured_logs(emit: Callable[[Event], None]) -> Iterator[None]:
    """Send records of gensim's loggers and Python warnings to *emit* for the body of the ``with``.

    The loggers stop propagating meanwhile, so no record reaches a handler (or
    Python's last-resort stderr handler) that would write under the screen.
    """
    handler = EventLogHandler(emit)
    loggers = [logging.getLogger(name) for name in LOGGERS]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    logging.captureWarnings(True)
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, (level, propagate) in zip(loggers, saved, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate
        logging.captureWarnings(False)
