"""Pause, resume and stop requests shared by the screen and the training threads."""

from __future__ import annotations

import threading
import time


class TrainingControl:
    """Thread-safe switches that the training threads consult between batches.

    A training clock runs alongside: it advances only while training is not
    paused, so elapsed times and words per second exclude pauses.
    """

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._paused_total = 0.0
        self._paused_since: float | None = None
        self._started = time.monotonic()

    @property
    def paused(self) -> bool:
        """True while a pause is in force."""
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        """True once a stop was requested; it is never cleared."""
        return self._stop.is_set()

    def start_clock(self, offset: float = 0.0) -> None:
        """Restart the training clock at *offset* seconds (the time an earlier process already trained)."""
        with self._lock:
            self._started = time.monotonic() - offset
            self._paused_total = 0.0
            self._paused_since = time.monotonic() if self.paused else None

    def pause(self) -> bool:
        """Ask the workers to stop taking batches; return False if already paused."""
        with self._lock:
            if self.paused or self.stop_requested:
                return False
            self._paused_since = time.monotonic()
            self._running.clear()
            return True

    def resume(self) -> float | None:
        """Let the workers go on; return the length of the pause, or None if not paused."""
        with self._lock:
            if not self.paused:
                return None
            paused_for = self._close_pause()
            self._running.set()
            return paused_for

    def request_stop(self) -> bool:
        """Ask training to end after the current batch; return False if already asked."""
        with self._lock:
            if self.stop_requested:
                return False
            self._stop.set()
            # A paused worker must wake up to see the stop.
            if self.paused:
                self._close_pause()
                self._running.set()
            return True

    def wait_while_paused(self) -> None:
        """Block the calling thread while a pause is in force."""
        self._running.wait()

    def elapsed(self) -> float:
        """Seconds of training time since the clock started, pauses excluded."""
        with self._lock:
            now = time.monotonic()
            paused = self._paused_total
            if self._paused_since is not None:
                paused += now - self._paused_since
            return now - self._started - paused

    def _close_pause(self) -> float:
        assert self._paused_since is not None
        paused_for = time.monotonic() - self._paused_since
        self._paused_total += paused_for
        self._paused_since = None
        return paused_for
