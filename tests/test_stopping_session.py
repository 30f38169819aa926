"""Held-out loss, evaluations and early stopping inside a real training session."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gensim.models import Word2Vec
from gensim.test.utils import datapath
from gensim_tui.callbacks.epoch_metrics import parse_early_stop
from gensim_tui.callbacks.events import EarlyStopChecked, EpochEnded, EpochEvaluated, Event, RunFinished, StopRequested
from gensim_tui.callbacks.session import TrainingSession
from support import ConfigFactory


class WeightRecorder:
    """A sink that copies the input vectors at the end of every epoch.

    Sinks run on the training thread after the epoch's workers have finished,
    so the copy is the epoch's final state.
    """

    def __init__(self) -> None:
        self.session: TrainingSession | None = None
        self.vectors: dict[int, np.ndarray[Any, Any]] = {}
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, EpochEnded) and self.session is not None and self.session.model is not None:
            self.vectors[event.epoch] = self.session.model.wv.vectors.copy()


def test_early_stop_ends_run_with_reason(make_config: ConfigFactory, lee_path: str) -> None:
    config = make_config(
        lee_path,
        epochs=30,
        holdout=0.1,
        early_stop="monitor=val_loss,patience=1,min_delta=2%",
    )
    recorder = WeightRecorder()
    session = TrainingSession(config, [recorder])
    recorder.session = session

    result = session.run()

    assert isinstance(result, RunFinished)
    assert result.stopped_early
    assert result.epochs_completed < 30
    checks = [event for event in recorder.events if isinstance(event, EarlyStopChecked)]
    assert len(checks) == result.epochs_completed
    assert checks[-1].stop
    assert "did not improve by 2%" in checks[-1].reason
    stops = [event for event in recorder.events if isinstance(event, StopRequested)]
    assert [stop.reason for stop in stops] == [f"early stopping: {checks[-1].reason}"]


def test_val_loss_falls_and_equals_figures(make_config: ConfigFactory, lee_path: str) -> None:
    config = make_config(lee_path, epochs=4, holdout=0.1)
    recorder = WeightRecorder()

    TrainingSession(config, [recorder]).run()

    evaluated = [event for event in recorder.events if isinstance(event, EpochEvaluated)]
    ended = [event for event in recorder.events if isinstance(event, EpochEnded)]
    assert [event.epoch for event in evaluated] == [1, 2, 3, 4]
    losses = [event.values["val_loss"] for event in evaluated]
    assert all(loss is not None and loss > 0 for loss in losses)
    assert losses[0] is not None
    assert losses[-1] is not None
    assert losses[-1] < losses[0]
    # The training loss in the figures is the epoch's own, as on the table.
    assert [event.values["loss"] for event in evaluated] == [event.loss for event in ended]


def test_restore_best_saves_best_epoch(make_config: ConfigFactory, lee_path: str) -> None:
    # A learning rate far too high makes the held-out loss rise after its low
    # point, so the run ends past its best epoch.
    config = make_config(
        lee_path,
        epochs=8,
        holdout=0.1,
        alpha=0.5,
        min_alpha=0.4,
        early_stop="monitor=val_loss,patience=2,restore_best",
    )
    recorder = WeightRecorder()
    session = TrainingSession(config, [recorder])
    recorder.session = session

    result = session.run()

    assert isinstance(result, RunFinished)
    checks = [event for event in recorder.events if isinstance(event, EarlyStopChecked)]
    best = checks[-1].best_epoch
    assert best is not None
    assert best != result.epochs_completed, "the run must end past its best epoch for this test to mean anything"
    saved = Word2Vec.load(config.output)
    assert np.array_equal(saved.wv.vectors, recorder.vectors[best])
    assert not np.array_equal(saved.wv.vectors, recorder.vectors[result.epochs_completed])


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("monitor=val_loss,patience=3,min_delta=0.1%,restore_best", {"patience": 3, "relative": True}),
        ("monitor=analogy,mode=max,min_delta=0.01", {"mode": "max", "relative": False}),
        ("monitor=loss,baseline=5,start_from_epoch=2,divergence=2", {"baseline": 5.0, "start_from_epoch": 2}),
        ("monitor=loss,stop_on_nan=false", {"stop_on_nan": False}),
    ],
)
def test_parse_early_stop_settings(spec: str, expected: dict[str, Any]) -> None:
    policy = parse_early_stop(spec)

    for name, value in expected.items():
        assert getattr(policy, name) == value


def test_parse_early_stop_min_delta_percent() -> None:
    assert parse_early_stop("min_delta=0.1%").min_delta == pytest.approx(0.001)
    assert parse_early_stop("min_delta=0.1").min_delta == pytest.approx(0.1)


@pytest.mark.parametrize("spec", ["patience=x", "colour=red", "mode=sideways"])
def test_parse_early_stop_rejects(spec: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        parse_early_stop(spec)


def test_analogy_and_similarity_columns(make_config: ConfigFactory, lee_path: str) -> None:
    config = make_config(
        lee_path,
        epochs=2,
        eval_analogies=datapath("questions-words.txt"),
        eval_similarity=datapath("wordsim353.tsv"),
    )
    recorder = WeightRecorder()

    TrainingSession(config, [recorder]).run()

    evaluated = [event for event in recorder.events if isinstance(event, EpochEvaluated)]
    assert len(evaluated) == 2
    for event in evaluated:
        assert set(event.values) >= {"loss", "analogy", "similarity", "stability"}
        assert event.seconds["analogy"] >= 0.0
        similarity = event.values["similarity"]
        assert similarity is not None
        assert -1.0 <= similarity <= 1.0
