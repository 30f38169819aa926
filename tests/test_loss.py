"""The per-epoch loss measured by the batch hook, checked against plain gensim."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from gensim.models.word2vec import LineSentence
from gensim_tui.callbacks import TrainingSession
from gensim_tui.callbacks.events import EpochEnded, RunFinished
from support import EventRecorder, small_config

EPOCHS = 5
VECTOR_SIZE = 30

LOSS_MODES: dict[str, dict[str, int]] = {
    "cbow": {},
    "skip-gram": {"sg": 1},
    "hierarchical-softmax": {"hs": 1, "negative": 0},
}

TrainLee = Callable[..., list[float]]


class GensimLoss(CallbackAny2Vec):  # type: ignore[misc]
    """Record gensim's own running loss total at the end of every epoch."""

    def __init__(self) -> None:
        self.totals: list[float] = []

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.totals.append(float(model.get_latest_training_loss()))


@pytest.fixture(scope="module")
def train_lee(lee_path: str, tmp_path_factory: pytest.TempPathFactory) -> TrainLee:
    """Return a function that trains a session on the Lee corpus and returns its per-epoch losses.

    Runs are cached by their parameters, because several tests look at the same run.
    """
    cache: dict[tuple[int, tuple[tuple[str, int], ...]], list[float]] = {}
    folder = tmp_path_factory.mktemp("loss")

    def train(workers: int, **parameters: int) -> list[float]:
        key = (workers, tuple(sorted(parameters.items())))
        if key not in cache:
            output = str(folder / f"model-{len(cache)}.w2v")
            config = small_config(
                lee_path, output, workers=workers, epochs=EPOCHS, vector_size=VECTOR_SIZE, **parameters
            )
            recorder = EventRecorder()
            result = TrainingSession(config, [recorder]).run()
            assert isinstance(result, RunFinished), result
            losses = [event.loss for event in recorder.of_type(EpochEnded)]
            assert len(losses) == EPOCHS
            cache[key] = [loss for loss in losses if loss is not None]
            assert len(cache[key]) == EPOCHS, "every epoch must have a measured loss"
        return cache[key]

    return train


def plain_gensim_totals(corpus: str, workers: int, **parameters: Any) -> list[float]:
    """Train plain gensim with compute_loss=True and return its running loss total after each epoch."""
    recorder = GensimLoss()
    Word2Vec(
        LineSentence(corpus),
        vector_size=VECTOR_SIZE,
        epochs=EPOCHS,
        workers=workers,
        seed=1,
        min_count=5,
        compute_loss=True,
        callbacks=[recorder],
        **parameters,
    )
    return recorder.totals


@pytest.mark.parametrize("mode", list(LOSS_MODES))
def test_loss_independent_of_workers(train_lee: TrainLee, mode: str) -> None:
    one_worker = train_lee(1, **LOSS_MODES[mode])
    four_workers = train_lee(4, **LOSS_MODES[mode])

    # Threads take the batches in a different order, so the losses differ a little but not by a factor.
    for epoch, (single, multi) in enumerate(zip(one_worker, four_workers, strict=True), start=1):
        assert single > 0, f"epoch {epoch}"
        assert multi == pytest.approx(single, rel=0.05), f"epoch {epoch}"


@pytest.mark.parametrize("mode", list(LOSS_MODES))
def test_loss_positive_and_decreasing(train_lee: TrainLee, mode: str) -> None:
    losses = train_lee(4, **LOSS_MODES[mode])

    assert all(loss > 0 for loss in losses)
    assert losses[-1] < losses[0]


def test_loss_matches_gensim_one_worker(train_lee: TrainLee, lee_path: str) -> None:
    ours = train_lee(1)
    totals = plain_gensim_totals(lee_path, workers=1)
    gensim_per_epoch = [totals[0]] + [after - before for before, after in pairwise(totals)]

    # With one worker gensim's running total is right apart from rounding. gensim adds every
    # word's loss to one float32 total, so its rounding error grows with the total.
    assert ours[0] == pytest.approx(gensim_per_epoch[0], rel=1e-3)
    for epoch, (mine, theirs) in enumerate(zip(ours, gensim_per_epoch, strict=True), start=1):
        assert mine == pytest.approx(theirs, rel=1e-3), f"epoch {epoch}"


def test_gensim_loses_loss_with_four_workers(train_lee: TrainLee, lee_path: str) -> None:
    ours = train_lee(4)
    totals = plain_gensim_totals(lee_path, workers=4)

    # gensim's worker threads overwrite each other's running total, so its first-epoch
    # figure keeps only part of the loss. The batch hook exists to avoid this.
    assert totals[0] < 0.5 * ours[0]


def test_hook_removed_after_training(lee_path: str, tmp_path: Path) -> None:
    session = TrainingSession(small_config(lee_path, str(tmp_path / "model.w2v"), epochs=1))

    result = session.run()

    assert isinstance(result, RunFinished)
    assert session.model is not None
    assert "_do_train_job" not in session.model.__dict__
    assert "_do_train_job" not in Word2Vec.load(str(tmp_path / "model.w2v")).__dict__
