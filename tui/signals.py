"""Signal handling: graceful stop on SIGINT and SIGTERM, and training that survives SIGHUP."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable
from types import FrameType

from gensim_tui.callbacks.session import TrainingSession

logger = logging.getLogger("gensim_tui")


class Interrupts:
    """Signal handlers for one training process, installed by ``install()`` in the main thread.

    SIGINT and SIGTERM ask the session to stop: the current epoch is cut short,
    a checkpoint is written and the exit status becomes 128 + the signal
    number. A second SIGINT exits at once; checkpoints are written to a
    temporary file and renamed, so the last complete one stays intact.
    SIGHUP, sent when the terminal goes away, detaches instead: output goes to
    /dev/null, *on_hangup* closes the screen, and training goes on.
    """

    def __init__(self, session: TrainingSession) -> None:
        self.session = session
        self.exit_status: int | None = None
        self.hung_up = False
        self.on_hangup: Callable[[], None] | None = None
        self.on_stop: Callable[[], None] | None = None
        self._previous: dict[int, object] = {}

    def install(self) -> None:
        """Install the handlers, remembering the ones they replace."""
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._previous[number] = signal.signal(number, self._handle)

    def restore(self) -> None:
        """Put back the handlers that ``install()`` replaced."""
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if number == signal.SIGHUP:
            self.hang_up()
            return
        if self.exit_status is not None and number == signal.SIGINT:
            os._exit(128 + number)
        name = signal.Signals(number).name
        self.exit_status = 128 + number
        logger.warning("received %s; stopping after the current batch and saving a checkpoint", name)
        self.session.stop(f"interrupted by {name}")
        if self.on_stop is not None:
            self.on_stop()

    def hang_up(self) -> None:
        """Detach from a terminal that is gone; training continues without a screen."""
        if self.hung_up:
            return
        self.hung_up = True
        detach_from_terminal()
        logger.warning("the terminal hung up; training goes on without a screen")
        if self.on_hangup is not None:
            self.on_hangup()


def detach_from_terminal() -> None:
    """Point standard input, output and error at /dev/null, so nothing more reaches a dead terminal."""
    null = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.dup2(null, descriptor)
    os.close(null)
