"""The gensim callback that turns epoch boundaries into events."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from .batches import BatchLedger
from .control import TrainingControl
from .events import EpochEnded, EpochStarted, Event, ProbeNeighbours
from .stats import loss_change, scheduled_alpha


class TrainingStopped(Exception):
    """Raised at an epoch boundary to leave ``train()`` after a stop request."""


@dataclass(frozen=True)
class Schedule:
    """The whole run's plan: epochs and the learning rate's linear decay."""

    epochs: int
    alpha: float
    min_alpha: float

    def alpha_at(self, position: float) -> float:
        """Return the learning rate *position* epochs into the run."""
        return scheduled_alpha(self.alpha, self.min_alpha, self.epochs, position)

    def segments(self, epochs_before: int, words_into_epoch: int, total_words: int) -> list[Segment]:
        """Return the ``train()`` calls that continue the schedule after *epochs_before* epochs.

        A run interrupted inside an epoch first finishes that epoch alone,
        skipping the words already trained, with the learning rate going from
        where it stood to the epoch's end value; the rest follows in one call.
        Both are linear pieces of the same schedule.
        """
        segments = []
        position = epochs_before
        if words_into_epoch:
            start = self.alpha_at(position + words_into_epoch / max(1, total_words))
            segments.append(Segment(1, start, self.alpha_at(position + 1), words_into_epoch))
            position += 1
        if position < self.epochs:
            segments.append(Segment(self.epochs - position, self.alpha_at(position), self.min_alpha, 0))
        return segments


@dataclass(frozen=True)
class Segment:
    """One ``train()`` call of a run."""

    epochs: int
    start_alpha: float
    end_alpha: float
    skip_words: int
    """Trained words to skip at the start of the first epoch."""


@dataclass(frozen=True)
class EpochCarry:
    """Work an earlier process did on the first epoch of this one, before it was interrupted."""

    words: int = 0
    loss: float = 0.0
    seconds: float = 0.0


NeighbourReader = Callable[[Word2Vec, Mapping[str, ProbeNeighbours]], tuple[ProbeNeighbours, ...]]
"""Reads the probes' neighbours from the model, given the previous epoch's to mark new ones."""


class EpochMonitor(CallbackAny2Vec):  # type: ignore[misc]
    """Emit EpochStarted and EpochEnded events with the exact loss and probe neighbours.

    The loss comes from *ledger*, which the per-batch hook fills; the callback
    itself does no per-word work. After a stop request it raises
    TrainingStopped at the end of the epoch, and keeps how far the cut-short
    epoch got in ``partial``. Epoch numbers continue from *epochs_before*
    when a run resumes from a checkpoint.
    """

    def __init__(
        self,
        emit: Callable[[Event], None],
        ledger: BatchLedger,
        control: TrainingControl,
        schedule: Schedule,
        read_neighbours: NeighbourReader,
        epochs_before: int = 0,
        carry: EpochCarry | None = None,
        loss_measured: bool = True,
    ) -> None:
        self.emit = emit
        self.ledger = ledger
        self.control = control
        self.schedule = schedule
        self.read_neighbours = read_neighbours
        self.loss_measured = loss_measured
        """False for model types whose batches report no loss (FastText, Doc2Vec): the loss is then None."""
        self.epoch = epochs_before
        self.epochs_completed = epochs_before
        self.carry = carry or EpochCarry()
        """Work already done on the current epoch by an earlier process."""
        self.words_trained = 0
        self.partial = EpochCarry()
        self.epoch_started = 0.0
        self.after_epoch: Callable[[Word2Vec, int], None] | None = None
        """Called after each EpochEnded event, with the model and the epoch number; used for checkpoints."""
        self._previous_loss: float | None = None
        self._previous_probes: dict[str, ProbeNeighbours] = {}

    def on_epoch_begin(self, model: Word2Vec) -> None:
        self.epoch += 1
        self.epoch_started = self.control.elapsed() - self.carry.seconds
        alpha = self.schedule.alpha_at(self.epoch - 1 + self.carry.words / max(1, model.corpus_total_words))
        self.emit(EpochStarted(self.epoch, self.schedule.epochs, alpha))

    def on_epoch_end(self, model: Word2Vec) -> None:
        loss, _effective, raw_words = self.ledger.take()
        self.words_trained += raw_words
        carry, self.carry = self.carry, EpochCarry()
        words = carry.words + raw_words
        loss += carry.loss
        elapsed = self.control.elapsed()
        seconds = max(elapsed - self.epoch_started, 1e-9)
        if self.control.stop_requested and words < model.corpus_total_words:
            self.partial = EpochCarry(words, loss, seconds)
            raise TrainingStopped()
        measured_loss = loss if self.loss_measured else None
        delta, percent = loss_change(self._previous_loss, measured_loss)
        probes = self.read_neighbours(model, self._previous_probes)
        self._previous_probes = {p.probe: p for p in probes}
        self._previous_loss = measured_loss
        self.epochs_completed = self.epoch
        self.emit(
            EpochEnded(
                epoch=self.epoch,
                epochs=self.schedule.epochs,
                loss=measured_loss,
                loss_delta=delta,
                loss_delta_percent=percent,
                words=words,
                words_per_sec=words / seconds,
                epoch_seconds=seconds,
                elapsed_seconds=elapsed,
                # The schedule's rate at the epoch's end: in corpus_file mode
                # the rates live in per-chunk views, not in the model.
                alpha=self.schedule.alpha_at(self.epoch),
                probes=probes,
            )
        )
        if self.after_epoch is not None:
            self.after_epoch(model, self.epoch)
        if self.control.stop_requested and self.epoch < self.schedule.epochs:
            raise TrainingStopped()

    @property
    def latest_probes(self) -> tuple[ProbeNeighbours, ...]:
        """The probes' neighbours read after the last finished epoch."""
        return tuple(self._previous_probes.values())

    @property
    def previous_loss(self) -> float | None:
        """Loss of the last finished epoch, or None before the first."""
        return self._previous_loss

    @previous_loss.setter
    def previous_loss(self, loss: float | None) -> None:
        self._previous_loss = loss
