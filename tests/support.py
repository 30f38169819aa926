"""Helpers shared by the tests of the gensim side: small configs, an event recorder and a session thread."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from gensim_tui.callbacks import TrainingConfig, TrainingSession
from gensim_tui.callbacks.events import Event, RunFailed, RunFinished

EventT = TypeVar("EventT")

WAIT_SECONDS = 120.0
"""Upper bound on any wait for a training thread. It guards against hangs and is never a speed check."""


def small_config(corpus: str, output: str, **overrides: Any) -> TrainingConfig:
    """Return a TrainingConfig small enough for a test, with *overrides* applied."""
    config = TrainingConfig(
        corpus=corpus,
        output=output,
        vector_size=30,
        epochs=3,
        workers=2,
        min_count=5,
        seed=1,
    )
    return dataclasses.replace(config, **overrides)


class ConfigFactory(Protocol):
    """Build a small TrainingConfig for *corpus* that saves under the test's tmp_path."""

    def __call__(self, corpus: str, **overrides: Any) -> TrainingConfig: ...


class EventRecorder:
    """A thread-safe sink that stores every event and lets a test wait for one."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._changed = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self._changed:
            self._events.append(event)
            self._changed.notify_all()

    @property
    def events(self) -> list[Event]:
        """A copy of the events received so far, in arrival order."""
        with self._changed:
            return list(self._events)

    def of_type(self, kind: type[EventT]) -> list[EventT]:
        """Return the events of class *kind* received so far."""
        return [event for event in self.events if isinstance(event, kind)]

    def wait_for(
        self,
        kind: type[EventT],
        matches: Callable[[EventT], bool] = lambda _event: True,
        timeout: float = WAIT_SECONDS,
    ) -> EventT:
        """Block until an event of class *kind* satisfying *matches* arrives, and return it."""

        def find() -> EventT | None:
            for event in self._events:
                if isinstance(event, kind) and matches(event):
                    return event
            return None

        with self._changed:
            found = self._changed.wait_for(find, timeout)
            if found is None:
                seen = [type(event).__name__ for event in self._events]
                raise AssertionError(f"no matching {kind.__name__} within {timeout} s; events so far: {seen}")
            return found


class SessionThread:
    """Run ``session.run()`` in a background thread, as the screen does."""

    def __init__(self, session: TrainingSession) -> None:
        self.session = session
        self.result: RunFinished | RunFailed | None = None
        self._thread = threading.Thread(target=self._run, name="training", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.result = self.session.run()

    def finish(self, timeout: float = WAIT_SECONDS) -> RunFinished | RunFailed:
        """Wait for ``run()`` to return and return its result."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            # Stop the run, waking paused workers, so the daemon thread does not train on after the failure.
            self.session.stop("test timed out")
            raise AssertionError(f"training did not finish within {timeout} s")
        assert self.result is not None
        return self.result


SETTLE_SECONDS = 20.0
"""Upper bound on the time batches already inside gensim take to finish after a pause."""


def wait_until(condition: Callable[[], bool], description: str) -> None:
    """Poll *condition* until it holds, and fail after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {description}")
        time.sleep(0.02)


def read_settled(read: Callable[[], int]) -> int:
    """Poll *read* until two readings 0.3 s apart agree, and return that value.

    Batches that were already inside gensim when a pause began still finish and
    count their words, so a paused count is only final once it stops changing.
    """
    deadline = time.monotonic() + SETTLE_SECONDS
    value = read()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        again = read()
        if again == value:
            return value
        value = again
    raise AssertionError("the word count kept changing while paused")


def pause_mid_epoch(session: TrainingSession) -> int:
    """Pause *session* in the middle of an epoch and return the words trained so far in that epoch.

    A pause counts as mid-epoch when some but not all of the epoch's words are
    trained. A pause that lands just as an epoch ends is released and tried again.
    """
    wait_until(lambda: session.model is not None, "the vocabulary is built")
    assert session.model is not None
    total = session.model.corpus_total_words
    for _attempt in range(20):
        wait_until(lambda: session.ledger.raw_words > 0, "a batch has been trained")
        assert session.pause()
        words = read_settled(lambda: session.ledger.raw_words)
        if 0 < words < total:
            return words
        assert session.resume()
    raise AssertionError("could not pause in the middle of an epoch")
