"""Per-batch hook into gensim's worker threads: exact loss, pause and stop.

gensim offers no per-batch callback, and its loss figure is wrong in two ways:
``running_training_loss`` is one float32 total for a whole ``train()`` call
(it stops growing once the total dwarfs a batch's loss), and each worker thread
copies the total at the start of a batch and writes it back at the end, so with
N threads most batches overwrite each other and about 1/N of the loss remains.

The workaround wraps the model's ``_do_train_job`` for the duration of
training. Each batch runs gensim's own method on a thin view of the model
whose ``running_training_loss`` starts at zero, so the view ends holding that
batch's loss alone, which is then added to a float64 total under a lock. The
wrapper lives in the instance's ``__dict__`` only while training runs and is
removed before every save, so saved models never refer to this package.

Checked against gensim 4.3.3 and 4.4.0 (``Word2Vec._do_train_job`` and the
``train_batch_sg``/``train_batch_cbow`` functions in ``word2vec_inner.pyx``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from gensim.models import Word2Vec

from .control import TrainingControl

_HOOK = "_do_train_job"
FILE_EPOCH_HOOK = "_train_epoch_corpusfile"
FILE_WORKER_HOOK = "_worker_loop_corpusfile"
"""The two methods that ``file_training`` replaces for ``corpus_file`` training."""
_ALL_HOOKS = (_HOOK, FILE_EPOCH_HOOK, FILE_WORKER_HOOK)


def batch_view(model: Word2Vec) -> Any:
    """Return a view of *model* for one batch, sharing every attribute but the loss total.

    The view is an instance of the model's own class holding a shallow copy of
    its attributes, so gensim's trainers read them at full speed (they look up
    ``model.wv`` once per word) while writing the batch's loss to the view.
    """
    view = object.__new__(type(model))
    view.__dict__.update(model.__dict__)
    view.running_training_loss = 0.0
    view.compute_loss = True
    return view


class BatchLedger:
    """Loss and word counts of the batches trained since the last ``take()``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.loss = 0.0
        self.raw_words = 0
        self.effective_words = 0
        self.batches = 0

    def add(self, loss: float, effective_words: int, raw_words: int) -> None:
        """Record one finished batch; called from worker threads."""
        with self._lock:
            self.loss += loss
            self.effective_words += effective_words
            self.raw_words += raw_words
            self.batches += 1

    def take(self) -> tuple[float, int, int]:
        """Return (loss, effective words, raw words) so far and start again from zero."""
        with self._lock:
            totals = (self.loss, self.effective_words, self.raw_words)
            self.loss = 0.0
            self.effective_words = self.raw_words = self.batches = 0
            return totals


@contextmanager
def batch_hook(
    model: Word2Vec,
    ledger: BatchLedger,
    control: TrainingControl,
    on_batch: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Install the per-batch wrapper on *model* for the body of the ``with``.

    While installed, each batch waits while *control* is paused, is skipped once
    a stop is requested (so queued batches drain at once), adds its exact loss to
    *ledger* and then calls *on_batch*.
    """
    train_job = type(model)._do_train_job

    def do_train_job(sentences: list[list[str]], alpha: float, inits: Any) -> tuple[int, int]:
        control.wait_while_paused()
        if control.stop_requested:
            return 0, 0
        view = batch_view(model)
        effective, raw = train_job(view, sentences, alpha, inits)
        ledger.add(float(view.running_training_loss), effective, raw)
        if on_batch is not None:
            on_batch()
        return effective, raw

    model.__dict__[_HOOK] = do_train_job
    try:
        yield
    finally:
        model.__dict__.pop(_HOOK, None)


@contextmanager
def unhooked(model: Word2Vec) -> Iterator[None]:
    """Remove the wrappers for the body of the ``with`` (to save the model), then put them back."""
    hooks = {name: model.__dict__.pop(name) for name in _ALL_HOOKS if name in model.__dict__}
    try:
        yield
    finally:
        model.__dict__.update(hooks)


def end_stopped_training(model: Word2Vec) -> None:
    """Leave *model* as gensim leaves it after ``train()`` returns normally.

    Stopping early raises out of ``train()`` at an epoch boundary, which skips
    its last two steps; they are repeated here (gensim 4.3-4.4 ``Word2Vec.train``).
    """
    model.train_count += 1
    model._clear_post_train()
