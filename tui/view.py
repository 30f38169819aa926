"""What the screen shows, derived from events by pure code.

The app keeps one ``RunView`` and feeds it every event; widgets only read it.
Keeping this free of Textual lets tests check the figures without a screen,
and lets a replayed run log produce exactly the screen a live run produced.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum

from gensim_tui.callbacks.events import (
    CheckpointSaved,
    EarlyStopChecked,
    EpochEnded,
    EpochEvaluated,
    EpochProgressed,
    EpochStarted,
    Event,
    LogRecorded,
    ModelSaved,
    Paused,
    ProbeNeighbours,
    Resumed,
    RunFailed,
    RunFinished,
    RunResumed,
    RunStarted,
    StopRequested,
    VocabularyBuilt,
    VocabularyProgressed,
)
from gensim_tui.callbacks.stats import eta_seconds

HISTORY = 1000
"""Epochs kept for the sparklines; older ones scroll off."""

LOG_LINES = 500


class RunState(Enum):
    """Stage of the run; the value is the status line's text."""

    LOADING = "loading"
    VOCABULARY = "building vocabulary"
    TRAINING = "training"
    PAUSED = "paused"
    STOPPING = "stopping"
    FINISHED = "finished"
    STOPPED = "stopped early"
    FAILED = "failed"

    @property
    def active(self) -> bool:
        """True while training threads may still be running."""
        return self in (RunState.LOADING, RunState.VOCABULARY, RunState.TRAINING, RunState.PAUSED, RunState.STOPPING)


@dataclass
class RunView:
    """The state of one run as far as the events so far tell it."""

    state: RunState = RunState.LOADING
    started: RunStarted | None = None
    vocabulary: VocabularyBuilt | None = None
    scan: VocabularyProgressed | None = None
    epoch: int = 0
    epochs: int = 0
    words_done: int = 0
    words_total: int = 0
    words_per_sec: float | None = None
    elapsed: float = 0.0
    """Training seconds (pauses excluded) at the moment of ``elapsed_at``."""
    elapsed_at: float | None = None
    """Clock reading when ``elapsed`` was last set; None while the clock is stopped."""
    rows: list[EpochEnded] = field(default_factory=list)
    losses: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    speeds: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    probes: tuple[ProbeNeighbours, ...] = ()
    log: deque[LogRecorded] = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    saved: ModelSaved | None = None
    checkpoint: CheckpointSaved | None = None
    finished: RunFinished | None = None
    failure: RunFailed | None = None
    stop_reason: str | None = None
    evaluations: dict[int, EpochEvaluated] = field(default_factory=dict)
    """Figures measured after each epoch, by epoch."""
    decision: EarlyStopChecked | None = None
    """The early-stopping policy's latest look at the figures."""
    orphaned: bool = False
    """True when the run log stops mid-training and no process trains the run any more."""

    def apply(self, event: Event, now: float) -> None:
        """Update the view with *event*, received at clock reading *now*."""
        if isinstance(event, RunStarted):
            self.started = event
            self.epochs = event.epochs
            self.state = RunState.LOADING
        elif isinstance(event, VocabularyProgressed):
            self.scan = event
            if self.state is RunState.LOADING:
                self.state = RunState.VOCABULARY
        elif isinstance(event, VocabularyBuilt):
            self.vocabulary = event
            self.probes = tuple(
                ProbeNeighbours(probe, (), count, in_vocabulary=True)
                for probe, count in zip(event.probes, event.probe_counts, strict=False)
            )
        elif isinstance(event, EpochStarted):
            self.epoch = event.epoch
            self.epochs = event.epochs
            self.words_done = 0
            if self.state in (RunState.LOADING, RunState.VOCABULARY):
                self.state = RunState.TRAINING
                self._set_elapsed(self.elapsed, now)
        elif isinstance(event, EpochProgressed):
            self.epoch = event.epoch
            self.words_done = event.words_done
            self.words_total = event.words_total
            if event.words_per_sec is not None:
                self.words_per_sec = event.words_per_sec
            if self.state is RunState.PAUSED:
                # A batch that was under way when the pause began reports late;
                # the clock must stay stopped.
                self.elapsed = event.elapsed_seconds
            else:
                self._set_elapsed(event.elapsed_seconds, now)
        elif isinstance(event, EpochEnded):
            self._apply_epoch_ended(event, now)
        elif isinstance(event, Paused):
            self.state = RunState.PAUSED
            self.elapsed = event.elapsed_seconds
            self.elapsed_at = None
        elif isinstance(event, Resumed):
            if self.state is RunState.PAUSED:
                self.state = RunState.TRAINING
            self.elapsed_at = now
        elif isinstance(event, StopRequested):
            self.state = RunState.STOPPING
            self.stop_reason = event.reason
            if self.elapsed_at is None and self.epoch:
                self.elapsed_at = now
        elif isinstance(event, RunResumed):
            self.orphaned = False
            self.state = RunState.LOADING
            self.epoch = event.epochs_completed
            self.epochs = event.epochs
            self.elapsed = event.elapsed_seconds
            self.elapsed_at = None
            self.finished = self.failure = self.stop_reason = self.saved = None
        elif isinstance(event, CheckpointSaved):
            self.checkpoint = event
        elif isinstance(event, ModelSaved):
            self.saved = event
        elif isinstance(event, RunFinished):
            self.finished = event
            self.state = RunState.STOPPED if event.stopped_early else RunState.FINISHED
            self.elapsed = event.elapsed_seconds
            self.elapsed_at = None
        elif isinstance(event, RunFailed):
            self.failure = event
            self.state = RunState.FAILED
            self.elapsed = self.elapsed_now(now)
            self.elapsed_at = None
        elif isinstance(event, LogRecorded):
            self.log.append(event)
        elif isinstance(event, EpochEvaluated):
            self.evaluations[event.epoch] = event
        elif isinstance(event, EarlyStopChecked):
            self.decision = event

    def _apply_epoch_ended(self, event: EpochEnded, now: float) -> None:
        if self.rows and self.rows[-1].epoch >= event.epoch:
            # A run resumed from a checkpoint older than its last finished
            # epoch trains that epoch again; the new figures replace the old.
            self.rows = [row for row in self.rows if row.epoch < event.epoch]
            self.losses.clear()
            self.speeds.clear()
            for row in self.rows:
                if row.loss is not None:
                    self.losses.append(row.loss)
                self.speeds.append(row.words_per_sec)
        self.rows.append(event)
        if event.loss is not None:
            self.losses.append(event.loss)
        self.speeds.append(event.words_per_sec)
        self.probes = event.probes
        self.words_done = event.words
        self.words_total = event.words
        self.words_per_sec = event.words_per_sec
        if self.elapsed_at is not None:
            self._set_elapsed(event.elapsed_seconds, now)
        else:
            self.elapsed = event.elapsed_seconds

    def _set_elapsed(self, elapsed: float, now: float) -> None:
        self.elapsed = elapsed
        self.elapsed_at = now

    def elapsed_now(self, now: float) -> float:
        """Training seconds at clock reading *now*, extrapolated while the clock runs."""
        if self.elapsed_at is None:
            return self.elapsed
        return self.elapsed + max(0.0, now - self.elapsed_at)

    @property
    def epoch_fraction(self) -> float:
        """Share of the current epoch's words trained so far."""
        if self.words_total <= 0:
            return 0.0
        return min(1.0, self.words_done / self.words_total)

    @property
    def run_fraction(self) -> float:
        """Share of all planned epochs trained so far."""
        if self.epochs <= 0 or self.epoch <= 0:
            return 0.0
        return min(1.0, (self.epoch - 1 + self.epoch_fraction) / self.epochs)

    def eta(self, now: float) -> float | None:
        """Estimated training seconds left, or None when unknown or no longer relevant."""
        if self.state not in (RunState.TRAINING, RunState.PAUSED) or self.epoch <= 0 or self.orphaned:
            return None
        return eta_seconds(self.elapsed_now(now), self.epoch, self.epochs, self.epoch_fraction)
