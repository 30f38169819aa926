"""gensim's ``corpus_file`` training, one chunk at a time: exact loss, pause, stop and progress.

gensim's ``_train_epoch_corpusfile`` starts one thread per worker, each
running ``_worker_loop_corpusfile`` over its share of the file in a single
Cython call. The replacement worker loop installed here instead takes chunks
of a ``ChunkPlan`` in file order from a shared queue. It trains each with
gensim's own ``_do_train_epoch`` on a view of the model (see
``batches.batch_view``) that contains the chunk's learning rates and a word
budget of one chunk. gensim's thread start, progress log and epoch totals
stay as they are.

The queue hands out chunks in file order, and a thread always finishes the
chunk it took. An epoch cut short by a stop has therefore trained a prefix
of the file, which ``skip_words`` skips when the run resumes, as with the
iterable reader.

Checked against gensim 4.4.0 (``Word2Vec._train_epoch_corpusfile``,
``_worker_loop_corpusfile`` and each model's ``_do_train_epoch``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from queue import Queue
from typing import Any

from gensim.models import Doc2Vec, Word2Vec

from .batches import FILE_EPOCH_HOOK, FILE_WORKER_HOOK, BatchLedger, batch_view
from .control import TrainingControl
from .corpus import CorpusError
from .corpus_copy import plain_copy
from .file_chunks import ChunkPlan, plan_chunks, split_long_lines

logger = logging.getLogger("gensim_tui")

SPLIT_COPY_NAME = "corpus-split.txt"
"""Name of the copy of a corpus file whose long lines were split."""


def file_plan(corpus: str, folder: str, documents: bool) -> ChunkPlan:
    """Return the chunks of one plain file containing *corpus*, writing that file into *folder* if needed.

    gensim's reader takes one uncompressed file, so a compressed file or a
    folder is first copied into one (``plain_copy``). Lines longer than a
    batch are then split, in place in such a copy, else in a copy made for
    the purpose. Raises CorpusError when a file cannot be read or written.
    """
    path = plain_copy(corpus, folder)
    plan = plan_chunks(path, documents)
    if plan is None:
        target = path if path != corpus else os.path.join(folder, SPLIT_COPY_NAME)
        split_long_lines(path, target)
        plan = plan_chunks(target, documents)
        assert plan is not None, "split_long_lines leaves no line longer than a batch"
    return plan


class ChunkQueue:
    """Hands out one epoch's chunks in file order, with the learning rates of each."""

    def __init__(self, plan: ChunkPlan, skip_words: int, rates: tuple[float, float, int, int]) -> None:
        self.plan = plan
        self._lock = threading.Lock()
        self._next = int((plan.starts[:-1] < skip_words).sum()) if skip_words else 0
        self._first_word = int(plan.starts[self._next])
        self._rates = rates

    def take(self) -> tuple[int, int, int, float, float] | None:
        """Return the next chunk's (offset, first line, words, start rate, end rate), or None after the last."""
        with self._lock:
            index = self._next
            if index >= len(self.plan):
                return None
            self._next += 1
        plan = self.plan
        start, end = int(plan.starts[index]), int(plan.starts[index + 1])
        return int(plan.offsets[index]), int(plan.lines[index]), end - start, self._rate(start), self._rate(end)

    def _rate(self, words_before: int) -> float:
        """Return the learning rate after *words_before* words of the file, on the train() call's linear decay."""
        alpha, min_alpha, epoch, epochs = self._rates
        remaining = max(1, self.plan.total_words - self._first_word)
        progress = (epoch + (words_before - self._first_word) / remaining) / epochs
        return max(min_alpha, alpha - (alpha - min_alpha) * progress)


class ChunkTrainer:
    """The state that the replaced methods share during one run."""

    def __init__(
        self,
        model: Word2Vec,
        plan: ChunkPlan,
        ledger: BatchLedger,
        control: TrainingControl,
        on_chunk: Callable[[], None] | None,
    ) -> None:
        self.model = model
        self.plan = plan
        self.ledger = ledger
        self.control = control
        self.on_chunk = on_chunk
        self.skip_words = 0
        """Words at the start of the file that the next epoch skips, trained before an interruption."""
        self.error: Exception | None = None
        """Why a worker thread gave up, for the caller to raise once train() returns."""
        self._queue: ChunkQueue | None = None
        self._train_epoch = type(model)._train_epoch_corpusfile
        self._train_chunk = type(model)._do_train_epoch
        self._documents = isinstance(model, Doc2Vec)
        self._miscounted = False

    def train_epoch(self, corpus_file: str, cur_epoch: int = 0, *args: Any, **kwargs: Any) -> tuple[int, int, int]:
        """Replacement for ``_train_epoch_corpusfile``: a fresh queue of chunks, then gensim's own epoch."""
        model = self.model
        skip, self.skip_words = self.skip_words, 0
        self._queue = ChunkQueue(self.plan, skip, (model.alpha, model.min_alpha, cur_epoch, model.epochs))
        result: tuple[int, int, int] = self._train_epoch(model, corpus_file, cur_epoch, *args, **kwargs)
        return result

    def worker_loop(
        self, corpus_file: str, _thread_id: int, _offset: int, cython_vocab: Any, progress: Queue[Any], **_: Any
    ) -> None:
        """Replacement for ``_worker_loop_corpusfile``: train chunks from the queue until none is left."""
        try:
            self._train_chunks(corpus_file, cython_vocab, progress)
        except Exception as error:
            self.error = error
            self.control.request_stop()
        finally:
            # gensim's epoch waits for one None per worker thread.
            progress.put(None)

    def _train_chunks(self, corpus_file: str, cython_vocab: Any, progress: Queue[Any]) -> None:
        model, control, queue = self.model, self.control, self._queue
        assert queue is not None
        memory = model._get_thread_working_mem()
        while True:
            control.wait_while_paused()
            if control.stop_requested:
                return
            chunk = queue.take()
            if chunk is None:
                return
            offset, line, words, alpha, end_alpha = chunk
            if words == 0:  # the one chunk of a corpus with no words
                continue
            self._check_file(corpus_file)
            view = batch_view(model)
            view.alpha, view.min_alpha, view.epochs, view.workers = alpha, end_alpha, 1, 1
            extra = {"offsets": [offset], "start_doctags": [line]} if self._documents else {}
            # The reader stops once it has read more words than this budget,
            # which happens exactly at the chunk's last line.
            examples, effective, raw = self._train_chunk(
                view, corpus_file, 0, offset, cython_vocab, memory, 0, None, words - 1, **extra
            )
            if raw != words and not self._miscounted:
                # gensim's trainer drops the rest of a batch once 10,000 words are kept,
                # and leaves those words out of its count, so the reader reads on.
                self._miscounted = True
                logger.warning(
                    "gensim's reader trained %d words of the %d-word chunk at byte %d of %s; "
                    "the epoch's word count may differ from the corpus",
                    raw,
                    words,
                    offset,
                    corpus_file,
                )
            self.ledger.add(float(view.running_training_loss), effective, raw)
            progress.put((examples, effective, raw))
            if self.on_chunk is not None:
                self.on_chunk()

    def _check_file(self, path: str) -> None:
        # gensim's reader loops for ever on a missing file, and trains the
        # wrong lines of a file whose size changed.
        try:
            size = os.stat(path).st_size
        except OSError as error:
            raise CorpusError(f"cannot read corpus {path} during training: {error.strerror}") from None
        if size != self.plan.size:
            raise CorpusError(
                f"corpus {path} changed size during training; restore the file before resuming this run, "
                "or start a new one"
            )


@contextmanager
def chunk_hook(trainer: ChunkTrainer) -> Iterator[ChunkTrainer]:
    """Replace the model's ``corpus_file`` epoch and worker loop for the body of the ``with``."""
    hooks = {FILE_EPOCH_HOOK: trainer.train_epoch, FILE_WORKER_HOOK: trainer.worker_loop}
    trainer.model.__dict__.update(hooks)
    try:
        yield trainer
    finally:
        for name in hooks:
            trainer.model.__dict__.pop(name, None)
