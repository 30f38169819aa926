"""The gensim callback that turns epoch boundaries into events."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from .batches import BatchLedger
from .control import TrainingControl
from .events import EpochEnded, EpochStarted, Event, ProbeNeighbours
from .probes import neighbours_of
from .stats import loss_change


class TrainingStopped(Exception):
    """Raised at an epoch boundary to leave ``train()`` after a stop request."""


class EpochMonitor(CallbackAny2Vec):  # type: ignore[misc]
    """Emit EpochStarted and EpochEnded events with the exact loss and probe neighbours.

    The loss comes from *ledger*, which the per-batch hook fills; the callback
    itself does no per-word work. After a stop request it raises
    TrainingStopped at the end of the epoch, and records how far the cut-short
    epoch got in ``partial_words``.
    """

    def __init__(
        self,
        emit: Callable[[Event], None],
        ledger: BatchLedger,
        control: TrainingControl,
        probes: Sequence[str],
        probe_counts: Mapping[str, int],
        topn: int,
    ) -> None:
        self.emit = emit
        self.ledger = ledger
        self.control = control
        self.probes = tuple(probes)
        self.probe_counts = dict(probe_counts)
        self.topn = topn
        self.epoch = 0
        self.epochs_completed = 0
        self.words_trained = 0
        self.partial_words = 0
        self.epoch_started = 0.0
        self._previous_loss: float | None = None
        self._previous_probes: dict[str, ProbeNeighbours] = {}

    def on_epoch_begin(self, model: Word2Vec) -> None:
        self.epoch += 1
        self.epoch_started = self.control.elapsed()
        start_alpha = model.alpha - (model.alpha - model.min_alpha) * (self.epoch - 1) / model.epochs
        self.emit(EpochStarted(self.epoch, model.epochs, max(model.min_alpha, start_alpha)))

    def on_epoch_end(self, model: Word2Vec) -> None:
        loss, _effective, raw_words = self.ledger.take()
        self.words_trained += raw_words
        if self.control.stop_requested and raw_words < model.corpus_total_words:
            self.partial_words = raw_words
            raise TrainingStopped()
        elapsed = self.control.elapsed()
        seconds = max(elapsed - self.epoch_started, 1e-9)
        delta, percent = loss_change(self._previous_loss, loss)
        probes = neighbours_of(model.wv, self.probes, self.probe_counts, self.topn, self._previous_probes)
        self._previous_probes = {p.probe: p for p in probes}
        self._previous_loss = loss
        self.epochs_completed = self.epoch
        self.emit(
            EpochEnded(
                epoch=self.epoch,
                epochs=model.epochs,
                loss=loss,
                loss_delta=delta,
                loss_delta_percent=percent,
                words=raw_words,
                words_per_sec=raw_words / seconds,
                epoch_seconds=seconds,
                elapsed_seconds=elapsed,
                alpha=float(model.min_alpha_yet_reached),
                probes=probes,
            )
        )
        if self.control.stop_requested and self.epoch < model.epochs:
            raise TrainingStopped()
