"""A fixed run of five epochs as events, for screenshots that must not change between runs.

The figures look like a real run on a 2.1 MB news corpus but are invented.
The probe words mix scripts (Korean, Russian, Chinese) whose characters are
two cells or one cell wide, so the snapshots catch columns that miscount them.
"""

from __future__ import annotations

from datetime import datetime

from gensim_tui.callbacks.events import (
    EpochEnded,
    EpochProgressed,
    EpochStarted,
    Event,
    LogRecorded,
    ModelSaved,
    Neighbour,
    Paused,
    ProbeNeighbours,
    RunFinished,
    RunStarted,
    StopRequested,
    VocabularyBuilt,
    VocabularyProgressed,
)

FROZEN_CLOCK = 1000.0
"""Monotonic clock reading at which every event is applied and the screen is drawn."""

EPOCHS = 5
CORPUS = "/data/corpora/news-2024.txt"
OUTPUT = "/data/models/news-2024.model"
CORPUS_BYTES = 2_140_000
CORPUS_WORDS = 358_000

PARAMETERS: dict[str, object] = {
    "vector_size": 100,
    "window": 5,
    "min_count": 5,
    "sg": 1,
    "hs": 0,
    "negative": 5,
    "sample": 0.001,
    "alpha": 0.025,
    "min_alpha": 0.0001,
    "epochs": EPOCHS,
    "workers": 2,
    "seed": 1,
    "max_vocab_size": None,
}

PROBES = ("king", "한국어", "москва", "北京", "xylophone")
PROBE_COUNTS = (412, 57, 33, 21, 2)

# Local noon on a fixed day, so the log's local H:M:S reads 12:00:0x in every time zone.
LOG_TIME = datetime(2024, 5, 1, 12, 0, 0).timestamp()


def _neighbours(*pairs: tuple[str, float, bool]) -> tuple[Neighbour, ...]:
    return tuple(Neighbour(word, similarity, is_new) for word, similarity, is_new in pairs)


def _probes(epoch: int) -> tuple[ProbeNeighbours, ...]:
    """Neighbours after *epoch*: the first epoch marks every word new, later ones a few."""
    first = epoch == 1
    return (
        ProbeNeighbours(
            "king",
            _neighbours(
                ("queen", 0.81, first),
                ("王", 0.74, first or epoch == 3),
                ("король", 0.71, first),
                ("국왕", 0.66, first),
                ("monarch", 0.62, first),
            ),
            PROBE_COUNTS[0],
            in_vocabulary=True,
        ),
        ProbeNeighbours(
            "한국어",
            _neighbours(
                ("일본어", 0.77, first),
                ("中文", 0.69, first),
                ("영어", 0.64, first or epoch == 2),
                ("korean", 0.58, first),
                ("언어", 0.52, first),
            ),
            PROBE_COUNTS[1],
            in_vocabulary=True,
        ),
        ProbeNeighbours(
            "москва",
            _neighbours(
                ("петербург", 0.72, first),
                ("moscow", 0.68, first),
                ("киев", 0.61, first or epoch == 3),
                ("北京", 0.55, first),
                ("город", 0.49, first),
            ),
            PROBE_COUNTS[2],
            in_vocabulary=True,
        ),
        ProbeNeighbours(
            "北京",
            _neighbours(
                ("上海", 0.83, first),
                ("beijing", 0.79, first),
                ("首都", 0.70, first),
                ("서울", 0.61, first or epoch == 2),
                ("tokyo", 0.57, first),
            ),
            PROBE_COUNTS[3],
            in_vocabulary=True,
        ),
        ProbeNeighbours("xylophone", (), PROBE_COUNTS[4], in_vocabulary=False),
    )


LOSSES = (2_345_678.0, 1_876_543.0, 1_654_321.0, 1_598_765.0, 1_572_345.0)
SPEEDS = (412_345.0, 425_678.0, 431_234.0, 428_765.0, 433_210.0)
EPOCH_SECONDS = (0.87, 0.84, 0.83, 0.83, 0.83)


def epoch_started(epoch: int) -> EpochStarted:
    """The start of *epoch*, with the learning rate gensim decays linearly from alpha to min_alpha."""
    return EpochStarted(epoch, EPOCHS, 0.025 - (0.025 - 0.0001) * (epoch - 1) / EPOCHS)


def epoch_ended(epoch: int) -> EpochEnded:
    """The end of *epoch* (numbered from 1) with its fixed figures."""
    index = epoch - 1
    loss = LOSSES[index]
    previous = LOSSES[index - 1] if index else None
    delta = loss - previous if previous is not None else None
    percent = 100.0 * delta / previous if delta is not None and previous is not None else None
    return EpochEnded(
        epoch=epoch,
        epochs=EPOCHS,
        loss=loss,
        loss_delta=delta,
        loss_delta_percent=percent,
        words=CORPUS_WORDS,
        words_per_sec=SPEEDS[index],
        epoch_seconds=EPOCH_SECONDS[index],
        elapsed_seconds=sum(EPOCH_SECONDS[:epoch]),
        alpha=0.025 - (0.025 - 0.0001) * epoch / EPOCHS,
        probes=_probes(epoch),
    )


def training_events() -> list[Event]:
    """A run three epochs in, 42% through the fourth."""
    events: list[Event] = [
        RunStarted(CORPUS, "word2vec", PARAMETERS, EPOCHS, OUTPUT, started_at=1_714_557_600.0),
        LogRecorded(LOG_TIME, "INFO", "gensim.models.word2vec", "collecting all words and their counts"),
        VocabularyProgressed(CORPUS_BYTES, CORPUS_BYTES, CORPUS_WORDS, 2_400),
        VocabularyBuilt(
            vocabulary_size=10_781,
            distinct_words=28_436,
            corpus_words=CORPUS_WORDS,
            sentences=2_400,
            min_count=5,
            probes=PROBES,
            probe_counts=PROBE_COUNTS,
            seconds=0.41,
        ),
        LogRecorded(
            LOG_TIME + 1,
            "INFO",
            "gensim.models.word2vec",
            "Word2Vec lifecycle event {'msg': 'effective_min_count=5 retains 10781 unique words'}",
        ),
        LogRecorded(
            LOG_TIME + 2,
            "WARNING",
            "gensim.models.word2vec",
            "under 10 jobs per worker: consider setting a smaller `batch_words' for smoother alpha decay",
        ),
    ]
    for epoch in (1, 2, 3):
        events += [epoch_started(epoch), epoch_ended(epoch)]
    events += [
        epoch_started(4),
        EpochProgressed(
            epoch=4,
            epochs=EPOCHS,
            words_done=150_360,
            words_total=CORPUS_WORDS,
            words_per_sec=429_600.0,
            elapsed_seconds=sum(EPOCH_SECONDS[:3]) + 0.35,
        ),
    ]
    return events


def paused_events() -> list[Event]:
    """The training run, then a pause in the fourth epoch."""
    return [*training_events(), Paused(4, sum(EPOCH_SECONDS[:3]) + 0.36)]


def finished_events() -> list[Event]:
    """The training run, carried on to the end of all five epochs and saved."""
    events = training_events()
    events += [epoch_ended(4), epoch_started(5), epoch_ended(5)]
    events += [
        ModelSaved(OUTPUT, EPOCHS, 0.12),
        RunFinished(
            epochs_completed=EPOCHS,
            epochs=EPOCHS,
            stopped_early=False,
            output=OUTPUT,
            elapsed_seconds=sum(EPOCH_SECONDS),
            words_trained=EPOCHS * CORPUS_WORDS,
        ),
    ]
    return events


def stopped_events() -> list[Event]:
    """The training run, stopped by the user in the fourth epoch after three finished epochs."""
    elapsed = sum(EPOCH_SECONDS[:3]) + 0.36
    return [
        *training_events(),
        StopRequested(4, "stopped by the user"),
        ModelSaved(OUTPUT, 3, 0.12),
        RunFinished(
            epochs_completed=3,
            epochs=EPOCHS,
            stopped_early=True,
            output=OUTPUT,
            elapsed_seconds=elapsed,
            words_trained=3 * CORPUS_WORDS + 150_360,
        ),
    ]
