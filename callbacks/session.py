"""A training run from corpus to saved model, reported as events."""

from __future__ import annotations

import collections
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable

from gensim.models import Word2Vec

from .batches import BatchLedger, batch_hook, end_stopped_training
from .checkpoints import CheckpointWriter
from .config import TrainingConfig
from .control import TrainingControl
from .corpus import CorpusError, LineCorpus, check_corpus
from .documents import TaggedCorpus
from .epoch_metrics import EpochMetrics, TrainingStream
from .evaluation import EvaluationFileError
from .events import (
    EpochProgressed,
    Event,
    ModelSaved,
    Paused,
    Resumed,
    RunFailed,
    RunFinished,
    RunResumed,
    RunStarted,
    Sink,
    StopRequested,
)
from .file_chunks import ChunkPlan
from .file_training import ChunkTrainer, chunk_hook, file_plan
from .models import create_model, load_model, word_vectors_trained
from .monitor import EpochCarry, EpochMonitor, Schedule, Segment, TrainingStopped
from .probes import neighbour_reader
from .rundir import Checkpoint, RunDirectory, RunDirError
from .saving import OutputError, check_output, save_model
from .vocabulary import build_vocabulary

logger = logging.getLogger("gensim_tui")

PROGRESS_INTERVAL = 0.5
"""Seconds between two EpochProgressed events; bounds the event rate whatever the corpus."""


class TrainingSession:
    """Train one Word2Vec model on a LineSentence corpus and save it.

    ``run()`` blocks, so call it from a worker thread; ``pause()``, ``resume()``
    and ``stop()`` may be called from any thread meanwhile. Every step is sent
    to the sinks as an event, in order, from whichever thread did the step.

    With a *run_dir*, checkpoints go there every *checkpoint_every* epochs and
    when training is cut short. With *resume*, training continues from that
    checkpoint of the run folder. *copy_to* receives a copy of the final model.
    """

    def __init__(
        self,
        config: TrainingConfig,
        sinks: Iterable[Sink] = (),
        *,
        run_dir: RunDirectory | None = None,
        checkpoint_every: int = 1,
        resume: Checkpoint | None = None,
        copy_to: str | None = None,
    ) -> None:
        self.config = config
        self.control = TrainingControl()
        self.sinks: list[Sink] = list(sinks)
        self.run_dir = run_dir
        self.checkpoint_every = checkpoint_every
        self.resume_from = resume
        self.copy_to = copy_to
        self.model: Word2Vec | None = None
        self.ledger = BatchLedger()
        self.monitor: EpochMonitor | None = None
        self.schedule = Schedule(config.epochs, config.alpha, config.min_alpha)
        self.done = threading.Event()
        """Set once ``run()`` has sent its last event."""
        self._next_progress = 0.0
        self._done = False
        self._checkpoints: CheckpointWriter | None = None
        self._plan: ChunkPlan | None = None
        self.metrics: EpochMetrics | None = None
        self._stop_reason: str | None = None

    def emit(self, event: Event) -> None:
        """Send *event* to every sink; a sink that raises is dropped, and training goes on.

        Sinks run on gensim's worker threads, where an exception would end the
        thread and leave the others waiting forever; a screen that has closed
        is the usual case.
        """
        for sink in list(self.sinks):
            try:
                sink(event)
            except (Exception, SystemExit):
                # SystemExit too: Rich raises it for a broken pipe.
                if sink in self.sinks:
                    self.sinks.remove(sink)
                    logger.exception("an event sink failed and receives no more events: %r", sink)

    @property
    def training(self) -> bool:
        """True between the start of the first epoch and the end of training."""
        return self.monitor is not None and not self._done

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
        logger.warning("stop requested in epoch %d: %s", self._epoch(), reason)
        self._stop_reason = reason
        self.emit(StopRequested(self._epoch(), reason))
        return True

    def run(self) -> RunFinished | RunFailed:
        """Build the vocabulary (or load the checkpoint), train, save; return the last event sent."""
        config = self.config
        if self.resume_from is None:
            self.emit(
                RunStarted(
                    corpus=config.corpus,
                    model_type=config.model_type,
                    parameters=config.gensim_parameters(),
                    epochs=config.epochs,
                    output=self.copy_to or config.output,
                    started_at=time.time(),
                    corpus_file_mode=config.corpus_file_mode,
                    metrics=config.metric_names,
                )
            )
        result: RunFinished | RunFailed
        try:
            result = self._run()
        except (CorpusError, OutputError, RunDirError, EvaluationFileError) as error:
            result = RunFailed(str(error), self._last_checkpoint())
        except OSError as error:
            result = RunFailed(f"{error.filename or 'file'}: {error.strerror}", self._last_checkpoint())
        except Exception as error:
            logger.exception("training failed")
            result = RunFailed(f"training failed: {type(error).__name__}: {error}", self._last_checkpoint())
        self._done = True
        if isinstance(result, RunFailed):
            logger.error("run failed: %s", result.message)
        else:
            logger.info(
                "run %s after %d of %d epochs; model: %s",
                "stopped" if result.stopped_early else "finished",
                result.epochs_completed,
                result.epochs,
                result.output,
            )
        try:
            self.emit(result)
        finally:
            self.done.set()
        return result

    def _run(self) -> RunFinished:
        config = self.config
        check_corpus(config.corpus)
        check_output(config.output)
        if config.corpus_file_mode:
            folder = self.run_dir.path if self.run_dir is not None else os.path.dirname(os.path.abspath(config.output))
            self._plan = file_plan(config.corpus, folder, documents=config.model_type == "doc2vec")
        if self.copy_to is not None:
            check_output(self.copy_to)
        corpus = LineCorpus(config.corpus, self.control)
        documents = TaggedCorpus(corpus) if config.model_type == "doc2vec" else None
        stream = TrainingStream(documents if documents is not None else corpus, config.holdout)
        source = stream
        checkpoint = self.resume_from
        if checkpoint is None:
            model = create_model(config)
            found = build_vocabulary(model, corpus, config, self.emit, self.control, stream)
            if found is None:
                return RunFinished(0, config.epochs, True, None, 0.0, 0)
            probes, counts = found
            if self._plan is not None:
                # Counted as gensim's reader counts them, so that the schedule and the progress match what it trains.
                model.corpus_total_words = self._plan.total_words
            epochs_before, carry, elapsed_before = 0, EpochCarry(), 0.0
        else:
            model = load_model(config, self._checkpoint_path(checkpoint))
            probes = checkpoint.probes or config.probes
            counts = dict(zip(checkpoint.probes, checkpoint.probe_counts, strict=False))
            epochs_before = checkpoint.epochs_completed
            carry = EpochCarry(checkpoint.words_into_epoch, checkpoint.loss_into_epoch, checkpoint.seconds_into_epoch)
            elapsed_before = checkpoint.elapsed_seconds
            if documents is not None and self._plan is not None:
                # Excerpts and lengths come from a pass over the documents, and gensim's file reader makes none.
                collections.deque(documents, maxlen=0)
            self.emit(
                RunResumed(self._checkpoint_path(checkpoint), epochs_before, carry.words, config.epochs, elapsed_before)
            )
        self.model = model
        if self.run_dir is not None:
            self._checkpoints = CheckpointWriter(
                self.run_dir, self.checkpoint_every, probes, [counts.get(p, 0) for p in probes]
            )
        monitor = EpochMonitor(
            self.emit,
            self.ledger,
            self.control,
            self.schedule,
            neighbour_reader(model, probes, counts, documents, config.topn),
            epochs_before,
            carry,
            loss_measured=config.loss_measured,
        )
        monitor.after_epoch = self._after_epoch
        self.metrics = EpochMetrics(config, corpus, tuple(probes) if word_vectors_trained(model) else ())
        if checkpoint is not None:
            monitor.previous_loss = checkpoint.previous_loss
        self.monitor = monitor
        self.control.start_clock(elapsed_before)
        segments = self.schedule.segments(epochs_before, carry.words, model.corpus_total_words)
        stopped = self._train(model, corpus, source, segments)
        if corpus.error is not None:
            raise CorpusError(f"reading {config.corpus} failed during epoch {monitor.epoch}: {corpus.error}")
        elapsed = self.control.elapsed()
        if stopped and self._checkpoints is not None and monitor.partial.words:
            self.emit(
                self._checkpoints.save(
                    model,
                    (config.alpha, config.min_alpha, config.epochs),
                    monitor.epochs_completed,
                    elapsed,
                    monitor.partial.words,
                    monitor.partial.loss,
                    monitor.partial.seconds,
                    monitor.previous_loss,
                )
            )
        restored = self.metrics.restore_best(model) if self.metrics is not None else None
        if restored is not None:
            logger.info("restored the weights of epoch %d, the best by the early-stopping policy", restored)
        self._save_final(model, monitor.epochs_completed)
        return RunFinished(
            epochs_completed=monitor.epochs_completed,
            epochs=config.epochs,
            stopped_early=self.control.stop_requested,
            output=self.copy_to or config.output,
            elapsed_seconds=elapsed,
            words_trained=monitor.words_trained,
            restored_epoch=restored,
            stop_reason=self._stop_reason,
        )

    def _train(self, model: Word2Vec, corpus: LineCorpus, source: TrainingStream, segments: list[Segment]) -> bool:
        """Run gensim's ``train()`` once per segment; return True if training was stopped early."""
        assert self.monitor is not None
        stopped = False
        corpus.guard_errors = True
        plan = self._plan
        chunks = ChunkTrainer(model, plan, self.ledger, self.control, self._on_batch) if plan is not None else None
        with chunk_hook(chunks) if chunks is not None else batch_hook(model, self.ledger, self.control, self._on_batch):
            try:
                for segment in segments:
                    source.skip_words = segment.skip_words
                    if chunks is not None:
                        chunks.skip_words = segment.skip_words
                    model.train(
                        corpus_iterable=None if plan is not None else source,
                        corpus_file=plan.path if plan is not None else None,
                        total_examples=None if segment.skip_words else model.corpus_count,
                        total_words=model.corpus_total_words - segment.skip_words,
                        epochs=segment.epochs,
                        start_alpha=segment.start_alpha,
                        end_alpha=segment.end_alpha,
                        callbacks=[self.monitor],
                    )
            except TrainingStopped:
                stopped = True
            finally:
                corpus.guard_errors = False
                # train() overwrote these with the segment's values; a saved
                # model must carry the run's own, as plain gensim would.
                model.alpha = self.config.alpha
                model.min_alpha = self.config.min_alpha
                model.epochs = self.config.epochs
        if chunks is not None and chunks.error is not None:
            raise chunks.error
        if stopped:
            end_stopped_training(model)
        return stopped

    def _after_epoch(self, model: Word2Vec, epoch: int) -> None:
        self._evaluate(model, epoch)
        if self._checkpoints is None or not self._checkpoints.due(epoch, self.config.epochs):
            return
        config = self.config
        alpha, min_alpha, epochs = model.alpha, model.min_alpha, model.epochs
        # Mid-train, these attributes contain the segment's values, but checkpoints get the run's.
        model.alpha, model.min_alpha, model.epochs = config.alpha, config.min_alpha, config.epochs
        try:
            saved = self._checkpoints.save(
                model,
                (config.alpha, config.min_alpha, config.epochs),
                epoch,
                self.control.elapsed(),
                previous_loss=self.monitor.previous_loss if self.monitor is not None else None,
            )
        finally:
            model.alpha, model.min_alpha, model.epochs = alpha, min_alpha, epochs
        self.emit(saved)

    def _evaluate(self, model: Word2Vec, epoch: int) -> None:
        """Measure the epoch's figures and stop training when the early-stopping policy decides to."""
        metrics = self.metrics
        if metrics is None or (not metrics.measures and not metrics.track_stability and metrics.policy is None):
            return
        loss = self.monitor.previous_loss if self.monitor is not None else None
        probes = self.monitor.latest_probes if self.monitor is not None else ()
        evaluated, checked = metrics.evaluate(model, epoch, loss, probes)
        self.emit(evaluated)
        if checked is None:
            return
        self.emit(checked)
        if checked.stop and epoch < self.config.epochs:
            logger.warning("early stopping after epoch %d: %s", epoch, checked.reason)
            self.stop(f"early stopping: {checked.reason}")

    def _save_final(self, model: Word2Vec, epochs_completed: int) -> None:
        started = time.monotonic()
        output = self.config.output
        save_model(model, output)
        self.emit(ModelSaved(output, epochs_completed, time.monotonic() - started))
        if self.copy_to is not None:
            started = time.monotonic()
            temporary = f"{self.copy_to}.partial"
            shutil.copyfile(output, temporary)
            shutil.move(temporary, self.copy_to)
            self.emit(ModelSaved(self.copy_to, epochs_completed, time.monotonic() - started))

    def _checkpoint_path(self, checkpoint: Checkpoint) -> str:
        assert self.run_dir is not None
        return self.run_dir.file(checkpoint.file)

    def _last_checkpoint(self) -> str | None:
        if self.run_dir is None:
            return None
        try:
            checkpoint = self.run_dir.latest_checkpoint()
        except RunDirError:
            return None
        return self.run_dir.file(checkpoint.file) if checkpoint is not None else None

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
        words_done = self.ledger.raw_words + monitor.carry.words
        epoch_seconds = elapsed - monitor.epoch_started
        self.emit(
            EpochProgressed(
                epoch=monitor.epoch,
                epochs=self.config.epochs,
                words_done=words_done,
                words_total=model.corpus_total_words,
                words_per_sec=words_done / epoch_seconds if epoch_seconds > 0.05 else None,
                elapsed_seconds=elapsed,
            )
        )

    def _epoch(self) -> int:
        return self.monitor.epoch if self.monitor is not None else 0
