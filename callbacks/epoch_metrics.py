"""Per-epoch figures beyond the training loss, and the early-stopping decision on them.

The session builds one ``EpochMetrics`` from its config; after every epoch it
measures each figure the user asked for, sends them as one EpochEvaluated
event, and lets the early-stopping policy decide.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from .config import TrainingConfig
from .early_stopping import MONITORS, EarlyStoppingPolicy
from .evaluation import AnalogyEvaluation, SimilarityEvaluation, neighbour_stability
from .events import EarlyStopChecked, EpochEvaluated, ProbeNeighbours
from .heldout import HeldOutLoss
from .heldout_split import SplitCorpus, is_heldout, validation_corpus
from .weights import copy_weights, restore_weights

HOLDOUT_SEED = 0
"""Seed of the held-out split; fixed so a resumed run holds out the same sentences."""


class TrainingStream:
    """What gensim trains on: the corpus less its held-out sentences, with a prefix skipped once.

    The held-out decision is made on each sentence's index in the full corpus,
    so it is the same on every pass. ``skip_words`` counts only trained words,
    because that is how a resumed run finds where an interrupted epoch stopped.
    """

    def __init__(self, source: Iterable[Any], holdout: float) -> None:
        self.source = source
        self.holdout = holdout
        self.skip_words = 0

    def __iter__(self) -> Iterator[Any]:
        skip, self.skip_words = self.skip_words, 0
        holdout = self.holdout
        for index, item in enumerate(self.source):
            if holdout and is_heldout(index, holdout, HOLDOUT_SEED):
                continue
            if skip > 0:
                skip -= len(item.words if hasattr(item, "words") else item)
                continue
            yield item


def parse_early_stop(spec: str) -> EarlyStoppingPolicy:
    """Build a policy from ``monitor=val_loss,patience=3,min_delta=0.1%,restore_best,...``.

    Keys: monitor, mode, min_delta (a number, or a percentage for a relative
    delta), patience, baseline, start_from_epoch, restore_best, stop_on_nan,
    divergence. Raises ValueError naming the bad part.
    """
    values: dict[str, Any] = {}
    for part in filter(None, (piece.strip() for piece in spec.split(","))):
        key, _, text = part.partition("=")
        key = key.strip()
        text = text.strip()
        if key in ("restore_best", "stop_on_nan"):
            values[key] = text.lower() not in ("0", "false", "no", "off")
        elif key in ("monitor", "mode"):
            values[key] = text
        elif key == "min_delta":
            values["relative"] = text.endswith("%")
            values[key] = _number(key, text.rstrip("%"), float) / (100.0 if values["relative"] else 1.0)
        elif key in ("patience", "start_from_epoch"):
            values[key] = _number(key, text, int)
        elif key in ("baseline", "divergence"):
            values[key] = _number(key, text, float)
        else:
            raise ValueError(f"unknown setting {key!r}; the settings are {', '.join(SETTINGS)}")
    monitor = values.get("monitor", "val_loss")
    if monitor not in MONITORS:
        raise ValueError(f"unknown monitor {monitor!r}; choose one of {', '.join(MONITORS)}")
    return EarlyStoppingPolicy(**values)


SETTINGS = (
    "monitor",
    "mode",
    "min_delta",
    "patience",
    "baseline",
    "start_from_epoch",
    "restore_best",
    "stop_on_nan",
    "divergence",
)


def _number(key: str, text: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(text)
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise ValueError(f"{key} must be {noun}, not {text!r}") from None


class EpochMetrics:
    """The figures a run measures after each epoch, and its early-stopping policy."""

    def __init__(self, config: TrainingConfig, corpus: Iterable[Any], probes: tuple[str, ...]) -> None:
        self.measures: dict[str, Any] = {}
        if config.holdout:
            self.measures["val_loss"] = HeldOutLoss(SplitCorpus(corpus, config.holdout, HOLDOUT_SEED, "heldout"))
        elif config.validation:
            self.measures["val_loss"] = HeldOutLoss(validation_corpus(config.validation))
        if config.eval_analogies:
            self.measures["analogy"] = AnalogyEvaluation(config.eval_analogies)
        if config.eval_similarity:
            self.measures["similarity"] = SimilarityEvaluation(config.eval_similarity)
        self.track_stability = bool(probes)
        """Whether to report the share of probe neighbours unchanged since the previous epoch."""
        self._previous_neighbours: dict[str, list[str]] = {}
        self.policy = parse_early_stop(config.early_stop) if config.early_stop else None
        self._best_weights: dict[str, Any] | None = None
        self.best_epoch: int | None = None

    def evaluate(
        self, model: Any, epoch: int, loss: float | None, probes: Iterable[ProbeNeighbours] = ()
    ) -> tuple[EpochEvaluated, EarlyStopChecked | None]:
        """Measure every figure for *epoch*, then let the policy decide; return both events.

        Stability is computed from *probes*, the word probes' neighbours the
        monitor already read this epoch, so no neighbour search runs twice.
        """
        values: dict[str, float | None] = {"loss": loss}
        seconds: dict[str, float] = {}
        if self.track_stability:
            current = {p.probe: [n.word for n in p.neighbours] for p in probes if p.kind == "word" and p.neighbours}
            values["stability"] = neighbour_stability(self._previous_neighbours, current)
            self._previous_neighbours = current
        for name, measure in self.measures.items():
            started = time.perf_counter()
            value = measure.measure(model)
            seconds[name] = time.perf_counter() - started
            values[name] = None if value is None else float(value)
        evaluated = EpochEvaluated(epoch, values, seconds)
        if self.policy is None:
            return evaluated, None
        decision = self.policy.observe(epoch, values.get(self.policy.monitor))
        if decision.improved and self.policy.restore_best:
            self._best_weights = copy_weights(model)
            self.best_epoch = epoch
        checked = EarlyStopChecked(
            epoch=epoch,
            monitor=self.policy.monitor,
            value=values.get(self.policy.monitor),
            stop=decision.stop,
            best_epoch=decision.best_epoch,
            best_value=decision.best_value,
            reason=decision.reason,
        )
        return evaluated, checked

    def restore_best(self, model: Any) -> int | None:
        """Put back the best epoch's weights when the policy has restore_best; return that epoch or None."""
        if self._best_weights is None or self.best_epoch is None:
            return None
        restore_weights(model, self._best_weights)
        return self.best_epoch
