"""Early stopping for gensim: a pure policy, and a callback that ends plain ``model.train()``.

gensim's callbacks cannot end training: ``CallbackAny2Vec`` has no stop flag
and ``train()`` runs every epoch it was given. Once the policy decides to stop,
``EarlyStopping`` therefore installs a per-batch wrapper on the model's
``_do_train_job`` (and ``_do_train_epoch`` for ``corpus_file`` training) that
returns without training, and removes it when ``train()`` ends. Checked
against gensim 4.3.3 and 4.4.0 (``Word2Vec._worker_loop`` and
``_worker_loop_corpusfile`` call these two methods through the instance).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from .batches import BatchLedger, batch_view
from .evaluation import EpochMetric
from .weights import copy_weights, restore_weights

logger = logging.getLogger(__name__)

Mode = Literal["min", "max", "auto"]

MONITORS = ("loss", "val_loss", "analogy", "similarity", "stability")
"""Monitor names for which ``mode="auto"`` picks the direction: the two losses are minimised, the rest maximised."""

_HOOKS = ("_do_train_job", "_do_train_epoch")


@dataclass(frozen=True)
class Decision:
    """The policy's conclusion from one epoch's figure."""

    stop: bool
    best_epoch: int | None
    """Epoch of the best figure so far; None until one counts as an improvement."""
    best_value: float | None
    improved: bool
    reason: str
    """One sentence for a person, such as 'val_loss did not improve by 0.1% for 3 epochs; best was epoch 7'."""


def _number(value: float) -> str:
    return f"{value:.4g}"


def _epochs(count: int) -> str:
    return f"{count} epoch" if count == 1 else f"{count} epochs"


@dataclass
class EarlyStoppingPolicy:
    """When to stop training, decided from one figure per epoch; no model, no I/O.

    Attributes:
        monitor: name of the figure, used in reasons and by ``mode="auto"``.
        mode: "min" or "max" for the better direction; "auto" is "min" for
            "loss" and "val_loss" and "max" for the other names in MONITORS.
        min_delta: smallest change that counts as an improvement over the
            best figure so far; a fraction of the best figure when *relative*.
        relative: read *min_delta* as a fraction, so 0.001 means 0.1%.
        patience: consecutive epochs without improvement that end training.
        baseline: a figure to beat; until one does, epochs count as no improvement.
        start_from_epoch: the first epoch (from 1) observed; earlier ones are
            warm-up and neither set the best nor count against patience.
        restore_best: put back the best epoch's weights when training ends.
        stop_on_nan: stop as soon as the figure is NaN or infinite, warm-up
            included, because the weights cannot recover from it.
        divergence: stop when the figure is worse than the best by more than
            this factor, so 2.0 stops at a loss twice the best or an accuracy
            half the best. It applies only while the best figure is positive.
    """

    monitor: str = "val_loss"
    mode: Mode = "auto"
    min_delta: float = 0.0
    relative: bool = False
    patience: int = 3
    baseline: float | None = None
    start_from_epoch: int = 1
    restore_best: bool = False
    stop_on_nan: bool = True
    divergence: float | None = None
    best_epoch: int | None = field(default=None, init=False)
    best_value: float | None = field(default=None, init=False)
    epochs_without_improvement: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.mode not in ("min", "max", "auto"):
            raise ValueError(f"mode must be 'min', 'max' or 'auto'; got {self.mode!r}")
        if self.mode == "auto" and self.monitor not in MONITORS:
            raise ValueError(
                f"mode='auto' supports only the monitors {', '.join(MONITORS)}; "
                f"give mode='min' or mode='max' for {self.monitor!r}"
            )
        if self.patience < 1:
            raise ValueError(f"patience must be at least 1; got {self.patience}")
        if self.min_delta < 0 or not math.isfinite(self.min_delta):
            raise ValueError(f"min_delta must be a finite number of at least 0; got {self.min_delta}")
        if self.start_from_epoch < 1:
            raise ValueError(f"start_from_epoch counts from 1; got {self.start_from_epoch}")
        if self.divergence is not None and not self.divergence > 1.0:
            raise ValueError(f"divergence must be a factor above 1; got {self.divergence}")

    @property
    def minimise(self) -> bool:
        """True when lower figures are better."""
        return self.mode == "min" or (self.mode == "auto" and self.monitor in ("loss", "val_loss"))

    def reset(self) -> None:
        """Forget every figure seen, as before the first epoch."""
        self.best_epoch = None
        self.best_value = None
        self.epochs_without_improvement = 0

    def observe(self, epoch: int, value: float | None) -> Decision:
        """Take the figure of *epoch* (None when there is none yet) and decide whether to stop."""
        name = self.monitor
        if value is not None and not math.isfinite(value) and self.stop_on_nan:
            kind = "NaN" if math.isnan(value) else "infinite"
            return self._decision(True, False, f"{name} is {kind} at epoch {epoch}")
        if epoch < self.start_from_epoch:
            return self._decision(
                False, False, f"epoch {epoch} is warm-up; decisions start at epoch {self.start_from_epoch}"
            )
        if value is None:
            return self._decision(False, False, f"no {name} figure at epoch {epoch}")
        if self._improves(value):
            self.best_epoch, self.best_value = epoch, value
            self.epochs_without_improvement = 0
            return self._decision(False, True, f"{name} improved to {_number(value)} at epoch {epoch}")
        if self._diverges(value):
            return self._decision(True, False, self._divergence_reason(value))
        self.epochs_without_improvement += 1
        stop = self.epochs_without_improvement >= self.patience
        return self._decision(stop, False, self._no_improvement_reason(stop))

    def _decision(self, stop: bool, improved: bool, reason: str) -> Decision:
        return Decision(stop, self.best_epoch, self.best_value, improved, reason)

    def _improves(self, value: float) -> bool:
        reference = self.best_value if self.best_value is not None else self.baseline
        if reference is None:
            return math.isfinite(value)
        delta = self.min_delta * abs(reference) if self.relative else self.min_delta
        return value < reference - delta if self.minimise else value > reference + delta

    def _diverges(self, value: float) -> bool:
        best, factor = self.best_value, self.divergence
        if best is None or factor is None or best <= 0:
            return False
        return value > best * factor if self.minimise else value < best / factor

    def _divergence_reason(self, value: float) -> str:
        assert self.best_value is not None and self.divergence is not None
        bound = f"over {self.divergence:g}×" if self.minimise else f"under 1/{self.divergence:g} of"
        return (
            f"{self.monitor} {_number(value)} is {bound} the best {_number(self.best_value)} of epoch {self.best_epoch}"
        )

    def _no_improvement_reason(self, stop: bool) -> str:
        name = self.monitor
        waited = _epochs(self.epochs_without_improvement)
        if self.best_epoch is None and self.baseline is not None:
            return f"{name} did not beat the baseline {_number(self.baseline)} for {waited}"
        if self.best_epoch is None:
            return f"{name} had no finite figure for {waited}"
        by = ""
        if self.min_delta:
            by = f" by {self.min_delta * 100:g}%" if self.relative else f" by {self.min_delta:g}"
        best = f"best was epoch {self.best_epoch}"
        if stop:
            return f"{name} did not improve{by} for {waited}; {best}"
        return f"{name} did not improve{by} for {waited} (patience {self.patience}); {best}"


MetricSource = Literal["loss"] | Callable[[Any], float | None] | EpochMetric


class EarlyStopping(CallbackAny2Vec):  # type: ignore[misc]
    """Stop plain ``model.train(...)`` when *policy* decides to, and restore the best weights if asked.

    *metric* gives one figure per epoch: "loss" for the exact sum of the
    training loss over the epoch (Word2Vec only, measured per batch as
    gensim-tui's screen measures it), a function of the model, or one of this
    package's evaluation callbacks. This object runs an evaluation callback
    itself. If that callback is also in ``train()``'s callbacks, list it
    before this one, so that its figure is read instead of measured twice.

    Once the policy stops, the remaining epochs still run, but every batch
    returns at once without training, so they cost only reading and batching
    the corpus (nothing at all with ``corpus_file``), and the other callbacks
    still see those epochs. ``train()`` then returns normally, so gensim clears
    the cached norms as usual; the wrappers are removed in ``on_train_end``,
    where the best weights are put back too. With ``restore_best`` one copy of
    all trainable weights is kept: for FastText that includes
    ``vectors_ngrams`` (by default 2,000,000 buckets times ``vector_size``).

    Pass this callback to ``train()``, not to the model's constructor. If
    ``train()`` raises, call ``detach(model)`` before saving the model.
    """

    def __init__(self, policy: EarlyStoppingPolicy, metric: MetricSource = "loss") -> None:
        if isinstance(metric, str):
            if metric != "loss":
                raise ValueError(f"the only metric named by a string is 'loss'; got {metric!r}")
            expected = "loss"
        elif isinstance(metric, EpochMetric):
            expected = metric.monitor_name
        elif callable(metric):
            expected = policy.monitor
        else:
            raise TypeError(f"metric must be 'loss', a function of the model or an evaluation callback; got {metric!r}")

        if policy.mode == "auto" and policy.monitor != expected:
            raise ValueError(
                f"the policy monitors {policy.monitor!r} but the metric gives {expected!r}; "
                f"set monitor={expected!r} or give the mode"
            )

        self.policy = policy
        self.metric = metric
        self.decisions: list[Decision] = []
        """One decision per observed epoch of the last ``train()`` call."""
        self.epoch = 0
        """Epochs finished in the current ``train()`` call."""
        self.stopped_epoch: int | None = None
        """The epoch after which training stopped, or None."""
        self.restored_epoch: int | None = None
        """The epoch whose weights were put back at the end, or None."""
        self._ledger = BatchLedger()
        self._lock = threading.Lock()
        self._best_weights: dict[str, np.ndarray[Any, Any]] | None = None
        self._skipping = False
        self._previous: dict[str, Any] = {}
        self._installed = False
        self._measured_before = 0
        self._drives_metric: bool | None = None
        self._warned_twice = False

    def on_train_begin(self, model: Any) -> None:
        self.policy.reset()
        self.decisions = []
        self.epoch = 0
        self.stopped_epoch = self.restored_epoch = None
        self._best_weights = None
        self._skipping = False
        self._drives_metric = None
        if self.metric == "loss":
            if type(model)._do_train_job is not Word2Vec._do_train_job:
                raise ValueError(f"gensim computes no training loss for {type(model).__name__}; monitor HeldOutLoss")
            if "_do_train_job" in model.__dict__:
                raise RuntimeError(
                    "another per-batch wrapper is installed on the model, so the loss cannot be measured; "
                    "remove it or monitor HeldOutLoss"
                )
            self._ledger.take()
            self._install(model)
        elif isinstance(self.metric, EpochMetric):
            self.metric.on_train_begin(model)
            self._measured_before = self.metric.measurements

    def on_epoch_end(self, model: Any) -> None:
        self.epoch += 1
        if self._skipping:
            return
        decision = self.policy.observe(self.epoch, self._measure(model))
        self.decisions.append(decision)
        logger.info("early stopping, epoch %d: %s", self.epoch, decision.reason)
        if decision.improved and self.policy.restore_best:
            self._best_weights = copy_weights(model)
        if decision.stop:
            self.stopped_epoch = self.epoch
            logger.warning(
                "stopping after epoch %d: %s; the remaining epochs only read the corpus", self.epoch, decision.reason
            )
            self._skipping = True
            self._install(model)

    def on_train_end(self, model: Any) -> None:
        self.detach(model)
        self._skipping = False
        best_epoch = self.policy.best_epoch
        last_trained = self.stopped_epoch or self.epoch
        if self._best_weights is not None and best_epoch is not None and best_epoch != last_trained:
            restore_weights(model, self._best_weights)
            self.restored_epoch = best_epoch
            logger.info("restored the weights of epoch %d, the best %s", best_epoch, self.policy.monitor)
        self._best_weights = None

    def detach(self, model: Any) -> None:
        """Remove this callback's wrappers from *model* and put back any earlier ones. A second call does nothing."""
        if not self._installed:
            return
        for name in _HOOKS:
            previous = self._previous.get(name)
            if previous is None:
                model.__dict__.pop(name, None)
            else:
                model.__dict__[name] = previous
        self._previous = {}
        self._installed = False

    def _measure(self, model: Any) -> float | None:
        metric = self.metric
        if isinstance(metric, str):
            batches = self._ledger.batches
            loss, _effective, _raw = self._ledger.take()
            if batches == 0:
                self.detach(model)
                raise RuntimeError(
                    "no batch went through the loss wrapper: the exact loss needs model.train(corpus_iterable=...), "
                    "and corpus_file training bypasses it"
                )
            return loss
        if isinstance(metric, EpochMetric):
            return self._read_metric(metric, model)
        value = metric(model)
        return None if value is None else float(value)

    def _read_metric(self, metric: EpochMetric, model: Any) -> float | None:
        done = metric.measurements - self._measured_before
        if self._drives_metric is None:
            # At the first epoch, a callback listed before this one has measured already.
            self._drives_metric = done < self.epoch
        if not self._drives_metric and done == self.epoch:
            return metric.latest
        if self._drives_metric and done != self.epoch - 1 and not self._warned_twice:
            self._warned_twice = True
            logger.warning(
                "%s runs twice per epoch: list it before EarlyStopping in train()'s callbacks, or leave it out",
                type(metric).__name__,
            )
        return metric.measure(model)

    def _install(self, model: Any) -> None:
        if self._installed:
            return
        self._previous = {name: model.__dict__.get(name) for name in _HOOKS}
        model.__dict__["_do_train_job"] = self._train_job_wrapper(model)
        model.__dict__["_do_train_epoch"] = self._train_epoch_wrapper(model)
        self._installed = True

    def _train_job_wrapper(self, model: Any) -> Callable[[list[list[str]], float, Any], tuple[int, int]]:
        # Installed either once stopping, or from the start to measure the loss, which
        # on_train_begin allows only when no other wrapper was there to call instead.
        train_job = type(model)._do_train_job

        def do_train_job(sentences: list[list[str]], alpha: float, inits: Any) -> tuple[int, int]:
            if self._skipping:
                # Raw words still count, so gensim's epoch totals match the corpus and it warns of nothing.
                return 0, model._raw_word_count(sentences)
            view = batch_view(model)
            effective, raw = train_job(view, sentences, alpha, inits)
            loss = float(view.running_training_loss)
            self._ledger.add(loss, effective, raw)
            if model.compute_loss:
                # The view kept gensim's running total away from the model. Adding it here keeps
                # get_latest_training_loss() working, and the lock avoids gensim's lost updates.
                with self._lock:
                    model.running_training_loss += loss
            return effective, raw

        return do_train_job

    def _train_epoch_wrapper(self, model: Any) -> Callable[..., tuple[int, int, int]]:
        train_epoch = type(model)._do_train_epoch
        previous = self._previous.get("_do_train_epoch")

        def do_train_epoch(*args: Any, **kwargs: Any) -> tuple[int, int, int]:
            if self._skipping:
                return 0, 0, 0
            if previous:
                return previous(*args, **kwargs)  # type: ignore[no-any-return]
            return train_epoch(model, *args, **kwargs)  # type: ignore[no-any-return]

        return do_train_epoch
