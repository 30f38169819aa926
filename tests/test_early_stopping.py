"""Early stopping: the pure policy on a table of cases, and the callback on real gensim training."""

from __future__ import annotations

import logging
import math
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gensim.models import FastText, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from gensim.models.word2vec import LineSentence
from gensim_tui.callbacks.early_stopping import EarlyStopping, EarlyStoppingPolicy
from gensim_tui.callbacks.evaluation import AnalogyEvaluation, NeighbourStability
from gensim_tui.callbacks.heldout import HeldOutLoss, split_holdout

NAN = float("nan")
INF = float("inf")


@dataclass(frozen=True)
class Step:
    """The expected decision after one figure."""

    value: float | None
    stop: bool
    improved: bool
    best_epoch: int | None
    reason: str | None = None


POLICY_CASES: dict[str, tuple[dict[str, Any], list[Step]]] = {
    "min, absolute delta": (
        {"monitor": "val_loss", "min_delta": 0.1, "patience": 2},
        [
            Step(3.0, False, True, 1, "val_loss improved to 3 at epoch 1"),
            Step(2.5, False, True, 2),
            Step(2.45, False, False, 2, "val_loss did not improve by 0.1 for 1 epoch (patience 2); best was epoch 2"),
            Step(2.44, True, False, 2, "val_loss did not improve by 0.1 for 2 epochs; best was epoch 2"),
        ],
    ),
    "min, relative delta": (
        {"monitor": "val_loss", "min_delta": 0.001, "relative": True, "patience": 1},
        [
            Step(100.0, False, True, 1),
            Step(99.8, False, True, 2),
            Step(99.75, True, False, 2, "val_loss did not improve by 0.1% for 1 epoch; best was epoch 2"),
        ],
    ),
    "max for analogy": (
        {"monitor": "analogy", "patience": 2},
        [
            Step(0.1, False, True, 1),
            Step(0.2, False, True, 2),
            Step(0.19, False, False, 2),
            Step(0.3, False, True, 4, "analogy improved to 0.3 at epoch 4"),
            Step(0.3, False, False, 4, "analogy did not improve for 1 epoch (patience 2); best was epoch 4"),
            Step(0.25, True, False, 4),
        ],
    ),
    "explicit max on a custom figure": (
        {"monitor": "coverage", "mode": "max", "min_delta": 0.05, "patience": 1},
        [
            Step(0.5, False, True, 1),
            Step(0.54, True, False, 1, "coverage did not improve by 0.05 for 1 epoch; best was epoch 1"),
        ],
    ),
    "explicit min on stability": (
        {"monitor": "stability", "mode": "min", "patience": 1},
        [Step(0.9, False, True, 1), Step(0.8, False, True, 2), Step(0.85, True, False, 2)],
    ),
    "baseline not beaten": (
        {"monitor": "val_loss", "baseline": 2.0, "patience": 2},
        [
            Step(2.5, False, False, None, "val_loss did not beat the baseline 2 for 1 epoch"),
            Step(2.1, True, False, None, "val_loss did not beat the baseline 2 for 2 epochs"),
        ],
    ),
    "baseline beaten with margin": (
        {"monitor": "val_loss", "baseline": 2.0, "min_delta": 0.1, "patience": 3},
        [Step(1.95, False, False, None), Step(1.85, False, True, 2), Step(1.8, False, False, 2)],
    ),
    "warm-up ignores early figures": (
        {"monitor": "val_loss", "start_from_epoch": 3, "patience": 1},
        [
            Step(5.0, False, False, None, "epoch 1 is warm-up; decisions start at epoch 3"),
            Step(1.0, False, False, None),
            Step(4.0, False, True, 3),
            Step(4.5, True, False, 3),
        ],
    ),
    "NaN stops": (
        {"monitor": "loss", "patience": 5},
        [Step(3.0, False, True, 1), Step(NAN, True, False, 1, "loss is NaN at epoch 2")],
    ),
    "infinity stops during warm-up": (
        {"monitor": "loss", "start_from_epoch": 4},
        [Step(INF, True, False, None, "loss is infinite at epoch 1")],
    ),
    "NaN counts as no improvement when allowed": (
        {"monitor": "loss", "stop_on_nan": False, "patience": 2},
        [Step(3.0, False, True, 1), Step(NAN, False, False, 1), Step(2.0, False, True, 3), Step(NAN, False, False, 3)],
    ),
    "NaN before any finite figure": (
        {"monitor": "loss", "stop_on_nan": False, "patience": 1},
        [Step(NAN, True, False, None, "loss had no finite figure for 1 epoch")],
    ),
    "divergence of a loss": (
        {"monitor": "val_loss", "divergence": 2.0, "patience": 5},
        [
            Step(1.1, False, True, 1),
            Step(1.5, False, False, 1),
            Step(2.3, True, False, 1, "val_loss 2.3 is over 2× the best 1.1 of epoch 1"),
        ],
    ),
    "divergence of an accuracy": (
        {"monitor": "analogy", "divergence": 2.0, "patience": 5},
        [
            Step(0.4, False, True, 1),
            Step(0.21, False, False, 1),
            Step(0.19, True, False, 1, "analogy 0.19 is under 1/2 of the best 0.4 of epoch 1"),
        ],
    ),
    "divergence ignored for a negative best": (
        {"monitor": "similarity", "divergence": 2.0, "patience": 5},
        [Step(-0.1, False, True, 1), Step(-0.5, False, False, 1)],
    ),
    "missing figure": (
        {"monitor": "stability", "patience": 1},
        [Step(None, False, False, None, "no stability figure at epoch 1"), Step(0.7, False, True, 2)],
    ),
}


@pytest.mark.parametrize("case", list(POLICY_CASES))
def test_policy_cases(case: str) -> None:
    settings, steps = POLICY_CASES[case]
    policy = EarlyStoppingPolicy(**settings)
    for epoch, step in enumerate(steps, start=1):
        decision = policy.observe(epoch, step.value)

        assert decision.stop == step.stop, f"epoch {epoch}: {decision.reason}"
        assert decision.improved == step.improved, f"epoch {epoch}: {decision.reason}"
        assert decision.best_epoch == step.best_epoch, f"epoch {epoch}: {decision.reason}"
        if step.reason is not None:
            assert decision.reason == step.reason


def test_policy_reset_forgets() -> None:
    policy = EarlyStoppingPolicy("loss", patience=1)
    policy.observe(1, 1.0)
    assert policy.observe(2, 2.0).stop

    policy.reset()
    decision = policy.observe(1, 5.0)

    assert decision.improved
    assert decision.best_value == 5.0
    assert policy.epochs_without_improvement == 0


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"monitor": "perplexity"}, "give mode='min' or mode='max'"),
        ({"mode": "lowest"}, "mode must be"),
        ({"patience": 0}, "patience must be at least 1"),
        ({"min_delta": -0.1}, "min_delta"),
        ({"min_delta": math.inf}, "min_delta"),
        ({"start_from_epoch": 0}, "counts from 1"),
        ({"divergence": 1.0}, "factor above 1"),
    ],
)
def test_policy_rejects_bad_settings(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EarlyStoppingPolicy(**settings)


class WeightRecorder(CallbackAny2Vec):  # type: ignore[misc]
    """Copy the trainable arrays at the end of every epoch. List it after EarlyStopping to see the final state."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = names
        self.copies: list[dict[str, np.ndarray[Any, Any]]] = []

    def on_epoch_end(self, model: Any) -> None:
        self.copies.append({name: arrays_of(model)[name].copy() for name in self.names})


def arrays_of(model: Any) -> dict[str, np.ndarray[Any, Any]]:
    arrays = {"syn1neg": model.syn1neg}
    if isinstance(model, FastText):
        arrays.update(vocab=model.wv.vectors_vocab, ngrams=model.wv.vectors_ngrams)
    else:
        arrays.update(vectors=model.wv.vectors)
    return arrays


class ScriptedFigure:
    """A metric that returns a fixed sequence of figures, one per call."""

    def __init__(self, figures: Sequence[float]) -> None:
        self.figures = list(figures)
        self.calls = 0

    def __call__(self, model: Any) -> float:
        self.calls += 1
        return self.figures[self.calls - 1]


@pytest.fixture(scope="module")
def lee_split(lee_path: str) -> tuple[list[list[str]], list[list[str]]]:
    return split_holdout(LineSentence(lee_path), 0.1, seed=0)


def lee_model(training: list[list[str]], kind: type[Any] = Word2Vec, **settings: Any) -> Any:
    settings = {"vector_size": 30, "min_count": 3, "seed": 1, "workers": 2, **settings}
    model = kind(**settings)
    model.build_vocab(training)
    return model


def test_heldout_loss_stops_training(
    lee_split: tuple[list[list[str]], list[list[str]]], caplog: pytest.LogCaptureFixture
) -> None:
    training, heldout = lee_split
    model = lee_model(training)
    heldout_loss = HeldOutLoss(heldout, max_pairs=20_000)
    stopper = EarlyStopping(EarlyStoppingPolicy("val_loss", patience=1, min_delta=0.05, relative=True), heldout_loss)
    recorder = WeightRecorder(["vectors", "syn1neg"])
    caplog.set_level(logging.INFO)

    trained, raw = model.train(training, total_examples=model.corpus_count, epochs=30, callbacks=[stopper, recorder])

    stopped = stopper.stopped_epoch
    assert stopped is not None
    assert 2 <= stopped < 30
    assert len(heldout_loss.history) == stopped
    assert stopper.decisions[-1].stop
    assert "did not improve by 5% for 1 epoch" in stopper.decisions[-1].reason
    assert raw == 30 * sum(len(sentence) for sentence in training)
    assert trained < raw * stopped / 30 + 1
    for name in ("vectors", "syn1neg"):
        assert np.array_equal(arrays_of(model)[name], recorder.copies[stopped - 1][name])
        assert not np.array_equal(recorder.copies[stopped - 2][name], recorder.copies[stopped - 1][name])
    assert model.wv.norms is None
    assert "_do_train_job" not in model.__dict__
    assert "_do_train_epoch" not in model.__dict__
    assert not [record for record in caplog.records if "did not equal expected count" in record.getMessage()]


@pytest.mark.parametrize("kind", [Word2Vec, FastText])
def test_restore_best_puts_back_best_epoch(lee_split: tuple[list[list[str]], list[list[str]]], kind: type[Any]) -> None:
    training, _ = lee_split
    settings = {"bucket": 5_000} if kind is FastText else {}
    model = lee_model(training, kind, **settings)
    figure = ScriptedFigure([3.0, 2.0, 1.0, 1.5, 1.2, 0.5, 0.4, 0.3])
    policy = EarlyStoppingPolicy("val_loss", patience=2, restore_best=True)
    stopper = EarlyStopping(policy, figure)
    names = ["vocab", "ngrams", "syn1neg"] if kind is FastText else ["vectors", "syn1neg"]
    recorder = WeightRecorder(names)

    model.train(training, total_examples=model.corpus_count, epochs=8, callbacks=[stopper, recorder])

    assert stopper.stopped_epoch == 5
    assert stopper.restored_epoch == 3
    assert figure.calls == 5
    for name in names:
        assert np.array_equal(arrays_of(model)[name], recorder.copies[2][name])
        assert not np.array_equal(arrays_of(model)[name], recorder.copies[4][name])
    if kind is FastText:
        restored = model.wv.vectors.copy()
        model.wv.adjust_vectors()
        assert np.array_equal(model.wv.vectors, restored)
    assert model.wv.norms is None


def test_no_restore_when_best_is_last(lee_split: tuple[list[list[str]], list[list[str]]]) -> None:
    training, _ = lee_split
    model = lee_model(training)
    stopper = EarlyStopping(EarlyStoppingPolicy("val_loss", restore_best=True), ScriptedFigure([3.0, 2.0, 1.0]))
    recorder = WeightRecorder(["vectors"])

    model.train(training, total_examples=model.corpus_count, epochs=3, callbacks=[stopper, recorder])

    assert stopper.stopped_epoch is None
    assert stopper.restored_epoch is None
    assert np.array_equal(model.wv.vectors, recorder.copies[-1]["vectors"])


FRESH_INTERPRETER = """
import sys
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
model = Word2Vec.load(sys.argv[1])
assert "_do_train_job" not in model.__dict__
assert "_do_train_epoch" not in model.__dict__
before = model.wv.vectors.copy()
corpus = LineSentence(sys.argv[2])
model.train(corpus, total_examples=model.corpus_count, epochs=1)
assert (model.wv.vectors != before).any()
assert not any(name.startswith("gensim_tui") for name in sys.modules)
print("trained further", model.train_count)
"""


def test_stopped_model_loads_in_fresh_interpreter(
    lee_split: tuple[list[list[str]], list[list[str]]], lee_path: str, tmp_path: Path
) -> None:
    training, _ = lee_split
    model = lee_model(training)
    stopper = EarlyStopping(
        EarlyStoppingPolicy("val_loss", patience=1, restore_best=True), ScriptedFigure([2, 1, 3, 4])
    )
    model.train(training, total_examples=model.corpus_count, epochs=4, callbacks=[stopper])
    path = tmp_path / "stopped.model"
    model.save(str(path))

    result = subprocess.run(
        [sys.executable, "-c", FRESH_INTERPRETER, str(path), lee_path], capture_output=True, text=True, timeout=120
    )

    assert stopper.stopped_epoch == 3
    assert b"gensim_tui" not in path.read_bytes()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "trained further 2"


def test_exact_loss_metric(lee_split: tuple[list[list[str]], list[list[str]]]) -> None:
    training, _ = lee_split
    # One worker trains deterministically, and gensim's own float32 total is then exact up to rounding.
    plain = lee_model(training, workers=1)
    plain.train(training, total_examples=plain.corpus_count, epochs=1, compute_loss=True)
    measured = lee_model(training, workers=1)
    stopper = EarlyStopping(EarlyStoppingPolicy("loss"), "loss")

    measured.train(training, total_examples=measured.corpus_count, epochs=1, callbacks=[stopper], compute_loss=True)

    figure = stopper.decisions[0].best_value
    assert np.array_equal(plain.wv.vectors, measured.wv.vectors)
    assert figure == pytest.approx(plain.get_latest_training_loss(), rel=1e-3)
    assert measured.get_latest_training_loss() == pytest.approx(figure)
    assert "_do_train_job" not in measured.__dict__


def test_exact_loss_stops_and_model_trains_on(lee_split: tuple[list[list[str]], list[list[str]]]) -> None:
    training, _ = lee_split
    model = lee_model(training)
    stopper = EarlyStopping(EarlyStoppingPolicy("loss", patience=1, min_delta=0.5, relative=True), "loss")

    model.train(training, total_examples=model.corpus_count, epochs=20, callbacks=[stopper])
    stopped_vectors = model.wv.vectors.copy()
    model.train(training, total_examples=model.corpus_count, epochs=2)

    assert stopper.stopped_epoch is not None
    assert stopper.stopped_epoch < 20
    assert not np.array_equal(stopped_vectors, model.wv.vectors)


def test_loss_metric_rejects_fasttext(lee_split: tuple[list[list[str]], list[list[str]]]) -> None:
    training, _ = lee_split
    model = lee_model(training, FastText, bucket=2_000)
    stopper = EarlyStopping(EarlyStoppingPolicy("loss"), "loss")

    with pytest.raises(ValueError, match="no training loss for FastText"):
        model.train(training, total_examples=model.corpus_count, epochs=1, callbacks=[stopper])
    assert "_do_train_job" not in model.__dict__


def test_corpus_file_training_stops(lee_split: tuple[list[list[str]], list[list[str]]], lee_path: str) -> None:
    model = Word2Vec(vector_size=30, min_count=3, seed=1, workers=2)
    model.build_vocab(corpus_file=lee_path)
    stopper = EarlyStopping(EarlyStoppingPolicy("val_loss", patience=1), ScriptedFigure([2.0, 3.0, 1.0, 0.5]))
    recorder = WeightRecorder(["vectors"])

    model.train(corpus_file=lee_path, total_words=model.corpus_total_words, epochs=4, callbacks=[stopper, recorder])

    assert stopper.stopped_epoch == 2
    assert np.array_equal(model.wv.vectors, recorder.copies[1]["vectors"])
    assert "_do_train_epoch" not in model.__dict__


def test_loss_metric_rejects_corpus_file(lee_path: str) -> None:
    model = Word2Vec(vector_size=30, min_count=3, seed=1, workers=2)
    model.build_vocab(corpus_file=lee_path)
    stopper = EarlyStopping(EarlyStoppingPolicy("loss"), "loss")

    with pytest.raises(RuntimeError, match="corpus_file training bypasses it"):
        model.train(corpus_file=lee_path, total_words=model.corpus_total_words, epochs=1, callbacks=[stopper])
    assert "_do_train_job" not in model.__dict__
    assert "_do_train_epoch" not in model.__dict__


@pytest.mark.parametrize("listed", ["before", "not listed", "after"])
def test_metric_callback_measured_once_per_epoch(
    lee_split: tuple[list[list[str]], list[list[str]]], listed: str, caplog: pytest.LogCaptureFixture
) -> None:
    training, _ = lee_split
    model = lee_model(training)
    stability = NeighbourStability(probes=5, topn=5)
    stopper = EarlyStopping(EarlyStoppingPolicy("stability", patience=10), stability)
    orders: dict[str, list[CallbackAny2Vec]] = {
        "before": [stability, stopper],
        "not listed": [stopper],
        "after": [stopper, stability],
    }
    callbacks = orders[listed]

    model.train(training, total_examples=model.corpus_count, epochs=3, callbacks=callbacks)

    twice = [record for record in caplog.records if "runs twice per epoch" in record.getMessage()]
    if listed == "after":
        assert len(twice) == 1
        assert stability.measurements == 6
    else:
        assert not twice
        assert stability.measurements == 3
        assert stopper.decisions[0].reason == "no stability figure at epoch 1"
        assert stopper.decisions[1].best_value == stability.history[1].stability


def test_callback_rejects_mismatched_metric(tmp_path: Path) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text(": family\nboy girl brother sister\n", encoding="utf-8")

    with pytest.raises(ValueError, match="set monitor='analogy'"):
        EarlyStopping(EarlyStoppingPolicy("val_loss"), AnalogyEvaluation(str(questions)))
    with pytest.raises(ValueError, match="set monitor='loss'"):
        EarlyStopping(EarlyStoppingPolicy("val_loss"), "loss")
    with pytest.raises(ValueError, match="only metric named by a string"):
        EarlyStopping(EarlyStoppingPolicy("val_loss"), "val_loss")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="metric must be"):
        EarlyStopping(EarlyStoppingPolicy("val_loss"), 3.0)  # type: ignore[arg-type]
    assert EarlyStopping(EarlyStoppingPolicy("analogy", mode="min"), AnalogyEvaluation(str(questions))).metric


def test_detach_after_failed_training(lee_split: tuple[list[list[str]], list[list[str]]], tmp_path: Path) -> None:
    training, _ = lee_split
    model = lee_model(training)

    def failing(model: Any) -> float:
        raise ArithmeticError("metric failed")

    stopper = EarlyStopping(EarlyStoppingPolicy("loss"), "loss")
    crashing = EarlyStopping(EarlyStoppingPolicy("val_loss"), failing)
    with pytest.raises(ArithmeticError):
        model.train(training, total_examples=model.corpus_count, epochs=2, callbacks=[stopper, crashing])
    assert "_do_train_job" in model.__dict__

    stopper.detach(model)
    stopper.detach(model)
    model.save(str(tmp_path / "after-failure.model"))

    assert "_do_train_job" not in model.__dict__
    assert Word2Vec.load(str(tmp_path / "after-failure.model")).wv.vectors.shape == model.wv.vectors.shape
