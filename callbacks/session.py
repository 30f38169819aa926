"""A training run from corpus to saved model, reported as events."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from gensim.models import Word2Vec

from .batches import BatchLedger, batch_hook, end_stopped_training
from .config import TrainingConfig
from .control import TrainingControl
from .corpus import CorpusError, LineCorpus
from .events import (
    EpochProgressed,
    Event,
    ModelSaved,
    Paused,
    Resumed,
    RunFailed,
    RunFinished,
    RunStarted,
    Sink,
    StopRequested,
    VocabularyBuilt,
    VocabularyProgressed,
)
from .monitor import EpochMonitor, TrainingStopped
from .probes import pick_probes
from .saving import OutputError, save_model

logger = logging.getLogger("gensim_tui")

PROGRESS_INTERVAL = 0.5
"""Seconds between two EpochProgressed events; bounds the event rate whatever the corpus."""


class TrainingSession:
    """Train one Word2Vec model on a LineSentence corpus and save it.

    ``run()`` blocks, so call it from a worker thread; ``pause()``, ``resume()``
    and ``stop()`` may be called from any thread meanwhile. Every step is sent
    to the sinks as an event, in order, from whichever thread did the step.
    """

    def __init__(self, config: TrainingConfig, sinks: Iterable[Sink] = ()) -> None:
        self.config = config
        self.control = TrainingControl()
        self.sinks: list[Sink] = list(sinks)
        self.model: Word2Vec | None = None
        self.ledger = BatchLedger()
        self.monitor: EpochMonitor | None = None
        self._next_progress = 0.0
        self._probes: tuple[str, ...] = ()
        self._done = False
        self.done = threading.Event()
        """Set once ``run()`` has sent its last event."""

    def emit(self, event: Event) -> None:
        """Send *event* to every sink."""
        for sink in self.sinks:
            sink(event)

    @property
    def training(self) -> bool:
        """True between the start of the first epoch and the end of training."""
        return self.monitor is not None and self.model is not None and not self._done

    def pause(self) -> bool:
        """Pause the workers within about one batch; return False if nothing changed."""
        if not self.training or not self.control.pause():
            return False
        self.emit(Paused(self._epoch(), self.control.elapsed()))
        return True

    def resume(self) -> bool:
        """Let paused workers go on; return False if they were not paused."""
        paused_for = self.control.resume()
        if paused_for is None:
            return False
        self.emit(Resumed(self._epoch(), paused_for))
        return True

    def stop(self, reason: str = "stopped by the user") -> bool:
        """End training early: cut the current epoch short, then save. Return False if already stopping."""
        if self._done or not self.control.request_stop():
            return False
        self.emit(StopRequested(self._epoch(), reason))
        return True

    def run(self) -> RunFinished | RunFailed:
        """Build the vocabulary, train, save; return the last event sent."""
        config = self.config
        self.emit(
            RunStarted(
                corpus=config.corpus,
                model_type="word2vec",
                parameters=config.gensim_parameters(),
                epochs=config.epochs,
                output=config.output,
                started_at=time.time(),
            )
        )
        result: RunFinished | RunFailed
        try:
            result = self._run()
        except (CorpusError, OutputError) as error:
            result = RunFailed(str(error))
        except OSError as error:
            result = RunFailed(f"{error.filename or 'file'}: {error.strerror}")
        except Exception as error:
            logger.exception("training failed")
            result = RunFailed(f"training failed: {type(error).__name__}: {error}")
        self._done = True
        try:
            self.emit(result)
        finally:
            self.done.set()
        return result

    def _run(self) -> RunFinished:
        config = self.config
        corpus = LineCorpus(config.corpus, self.control)
        model = Word2Vec(**config.gensim_parameters())
        counts = self._build_vocabulary(model, corpus)
        if self.control.stop_requested:
            return RunFinished(0, config.epochs, True, None, 0.0, 0)
        self.model = model
        self.monitor = monitor = EpochMonitor(self.emit, self.ledger, self.control, self._probes, counts, config.topn)
        self.control.start_clock()
        stopped = False
        with batch_hook(model, self.ledger, self.control, self._on_batch):
            try:
                model.train(
                    corpus,
                    total_examples=model.corpus_count,
                    total_words=model.corpus_total_words,
                    epochs=model.epochs,
                    callbacks=[monitor],
                )
            except TrainingStopped:
                stopped = True
        if stopped:
            end_stopped_training(model)
        elapsed = self.control.elapsed()
        started = time.monotonic()
        save_model(model, config.output)
        self.emit(ModelSaved(config.output, monitor.epochs_completed, time.monotonic() - started))
        return RunFinished(
            epochs_completed=monitor.epochs_completed,
            epochs=config.epochs,
            stopped_early=self.control.stop_requested,
            output=config.output,
            elapsed_seconds=elapsed,
            words_trained=monitor.words_trained,
        )

    def _build_vocabulary(self, model: Word2Vec, corpus: LineCorpus) -> dict[str, int]:
        """Scan the corpus, check that training is possible, then allocate the weights.

        These are the steps of gensim's ``build_vocab`` taken one at a time, so
        the raw counts can be checked before ``prepare_vocab`` discards them.
        """
        started = time.monotonic()
        size = corpus.size

        def progressed(bytes_read: int, words: int, sentences: int) -> None:
            self.emit(VocabularyProgressed(bytes_read, size, words, sentences))

        corpus.on_progress = progressed
        try:
            total_words, corpus_count = model.scan_vocab(corpus_iterable=corpus, progress_per=100_000)
        finally:
            corpus.on_progress = None
        model.corpus_count = corpus_count
        model.corpus_total_words = total_words
        raw_counts: dict[str, int] = model.raw_vocab
        if self.control.stop_requested:
            return {}
        if total_words == 0:
            raise CorpusError(
                f"corpus is empty: {self.config.corpus} has no words; give a file with one sentence per line"
            )
        min_count = self.config.min_count
        if not any(count >= min_count for count in raw_counts.values()):
            ranked = sorted(raw_counts.values(), reverse=True)
            suggestion = ranked[min(len(ranked), 50) - 1]
            raise CorpusError(
                f"no word occurs at least {min_count} times (min_count): the corpus has "
                f"{len(raw_counts)} distinct words and the most frequent occurs {ranked[0]} times; "
                f"try --min-count {suggestion}"
            )
        requested = self.config.probes
        counts = {probe: raw_counts.get(probe, 0) for probe in requested}
        model.prepare_vocab()
        model.prepare_weights()
        if requested:
            self._probes = requested
        else:
            self._probes = pick_probes(model.wv.index_to_key)
            counts = {probe: int(model.wv.get_vecattr(probe, "count")) for probe in self._probes}
        self.emit(
            VocabularyBuilt(
                vocabulary_size=len(model.wv),
                distinct_words=len(raw_counts),
                corpus_words=total_words,
                sentences=corpus_count,
                min_count=min_count,
                probes=self._probes,
                probe_counts=tuple(counts[p] for p in self._probes),
                seconds=time.monotonic() - started,
            )
        )
        return counts

    def _on_batch(self) -> None:
        now = time.monotonic()
        if now < self._next_progress:
            return
        self._next_progress = now + PROGRESS_INTERVAL
        monitor = self.monitor
        model = self.model
        if monitor is None or model is None:
            return
        elapsed = self.control.elapsed()
        words_done = self.ledger.raw_words
        epoch_seconds = elapsed - monitor.epoch_started
        self.emit(
            EpochProgressed(
                epoch=monitor.epoch,
                epochs=model.epochs,
                words_done=words_done,
                words_total=model.corpus_total_words,
                words_per_sec=words_done / epoch_seconds if epoch_seconds > 0.05 else None,
                elapsed_seconds=elapsed,
            )
        )

    def _epoch(self) -> int:
        return self.monitor.epoch if self.monitor is not None else 0
