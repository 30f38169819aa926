"""Events that a training run emits, one frozen dataclass per fact.

Every sink (the Textual screen, a plain console, a user's own function) receives
the same values, so each event carries everything needed to draw it and nothing
that refers back to the live model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Neighbour:
    """One neighbour of a probe word and its cosine similarity."""

    word: str
    similarity: float
    is_new: bool
    """True when the word was not among the probe's neighbours one epoch earlier."""
    excerpt: str = ""
    """For a document neighbour, the start of its text."""


@dataclass(frozen=True)
class ProbeNeighbours:
    """The nearest neighbours of one probe word after an epoch."""

    probe: str
    neighbours: tuple[Neighbour, ...]
    count: int
    """How often the probe occurs in the corpus (for a document: its number of words)."""
    in_vocabulary: bool
    kind: str = "word"
    """"word", or "document" for a Doc2Vec document probe."""
    excerpt: str = ""
    """For a document probe, the start of its text."""


@dataclass(frozen=True)
class RunStarted:
    """Training was requested; nothing has been read yet."""

    corpus: str
    model_type: str
    parameters: dict[str, object]
    epochs: int
    output: str
    started_at: float
    """Wall-clock time (seconds since the epoch) when the run began."""
    corpus_file_mode: bool = False
    """True when gensim's corpus_file reader trains: no pause or progress within an epoch."""
    metrics: tuple[str, ...] = ()
    """Figures measured after each epoch besides the loss: val_loss, analogy, similarity."""


@dataclass(frozen=True)
class VocabularyProgressed:
    """The vocabulary scan read further into the corpus."""

    bytes_read: int
    bytes_total: int | None
    """Size of the corpus in bytes; None when it cannot be known in advance."""
    words: int
    sentences: int


@dataclass(frozen=True)
class VocabularyBuilt:
    """The vocabulary is final and the weights are allocated."""

    vocabulary_size: int
    distinct_words: int
    corpus_words: int
    sentences: int
    min_count: int
    probes: tuple[str, ...]
    probe_counts: tuple[int, ...]
    seconds: float


@dataclass(frozen=True)
class EpochStarted:
    """An epoch began; epochs are numbered from 1."""

    epoch: int
    epochs: int
    alpha: float


@dataclass(frozen=True)
class EpochProgressed:
    """Words trained so far in the current epoch, sampled at a bounded rate."""

    epoch: int
    epochs: int
    words_done: int
    words_total: int
    words_per_sec: float | None
    """Raw words per second of training time in this epoch, None before it can be measured."""
    elapsed_seconds: float
    """Training time since the run began, pauses excluded."""


@dataclass(frozen=True)
class EpochEnded:
    """An epoch finished; all worker threads are idle."""

    epoch: int
    epochs: int
    loss: float | None
    """Sum of the training objective's loss over the epoch; None when not measured."""
    loss_delta: float | None
    """Change from the previous epoch's loss; None for the first epoch or unmeasured loss."""
    loss_delta_percent: float | None
    words: int
    words_per_sec: float
    epoch_seconds: float
    elapsed_seconds: float
    alpha: float
    """Learning rate at the end of the epoch."""
    probes: tuple[ProbeNeighbours, ...]


@dataclass(frozen=True)
class EpochEvaluated:
    """Figures measured after an epoch: loss, val_loss, analogy, similarity, stability.

    A figure that was not asked for is absent; one that could not be measured is None.
    """

    epoch: int
    values: dict[str, float | None]
    seconds: dict[str, float]
    """Time each measurement took."""


@dataclass(frozen=True)
class EarlyStopChecked:
    """The early-stopping policy looked at an epoch's figure."""

    epoch: int
    monitor: str
    value: float | None
    stop: bool
    best_epoch: int | None
    best_value: float | None
    reason: str
    """A sentence for the screen and the log, such as why training stops."""


@dataclass(frozen=True)
class Paused:
    """The workers stopped taking batches."""

    epoch: int
    elapsed_seconds: float


@dataclass(frozen=True)
class Resumed:
    """The workers went on from where they paused."""

    epoch: int
    paused_seconds: float


@dataclass(frozen=True)
class StopRequested:
    """The user asked to end training early; the current epoch is cut short."""

    epoch: int
    reason: str


@dataclass(frozen=True)
class ModelSaved:
    """A complete model file was written and renamed into place."""

    path: str
    epochs_trained: int
    seconds: float


@dataclass(frozen=True)
class CheckpointSaved:
    """A checkpoint was written completely and became the latest one."""

    path: str
    epochs_completed: int
    words_into_epoch: int
    """Raw words of the following epoch already in the checkpoint; 0 at an epoch boundary."""
    seconds: float


@dataclass(frozen=True)
class RunResumed:
    """Training continues from a checkpoint of an earlier process."""

    checkpoint: str
    epochs_completed: int
    words_into_epoch: int
    epochs: int
    elapsed_seconds: float
    """Training time of the earlier processes, pauses excluded."""


@dataclass(frozen=True)
class RunFinished:
    """Training ended and the model is saved."""

    epochs_completed: int
    epochs: int
    stopped_early: bool
    output: str | None
    """Path of the saved model; None when training stopped before the first epoch."""
    elapsed_seconds: float
    words_trained: int
    restored_epoch: int | None = None
    """The epoch whose weights the early-stopping policy put back into the saved model, if any."""
    stop_reason: str | None = None
    """Reason training stopped early, or None."""


@dataclass(frozen=True)
class RunFailed:
    """Training ended with an error that the user must act on."""

    message: str
    """One line naming the problem and what to do."""
    saved_output: str | None = None
    """Path of the last good model, if any was saved."""


@dataclass(frozen=True)
class LogRecorded:
    """One record of gensim's own logging."""

    created: float
    level: str
    name: str
    message: str


Event = (
    RunStarted
    | VocabularyProgressed
    | VocabularyBuilt
    | EpochStarted
    | EpochProgressed
    | EpochEnded
    | EpochEvaluated
    | EarlyStopChecked
    | Paused
    | Resumed
    | StopRequested
    | ModelSaved
    | CheckpointSaved
    | RunResumed
    | RunFinished
    | RunFailed
    | LogRecorded
)

Sink = Callable[[Event], None]
"""A receiver of events; it must return quickly because training threads call it."""

__all__ = [
    "CheckpointSaved",
    "EarlyStopChecked",
    "EpochEnded",
    "EpochEvaluated",
    "EpochProgressed",
    "EpochStarted",
    "Event",
    "LogRecorded",
    "ModelSaved",
    "Neighbour",
    "Paused",
    "ProbeNeighbours",
    "Resumed",
    "RunFailed",
    "RunFinished",
    "RunResumed",
    "RunStarted",
    "Sink",
    "StopRequested",
    "VocabularyBuilt",
    "VocabularyProgressed",
]
