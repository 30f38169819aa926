"""Training with gensim's corpus_file reader: every model type, loss, pause, stop and resume, inputs, screen."""

from __future__ import annotations

import gzip
import re
import time
from pathlib import Path
from typing import Any

import pytest
from apphelpers import finish_session, wait_for_screen
from apphelpers import wait_until as wait_in_app
from gensim_tui.callbacks import TrainingSession
from gensim_tui.callbacks.corpus_copy import PLAIN_COPY_NAME
from gensim_tui.callbacks.events import (
    EpochEnded,
    EpochEvaluated,
    EpochProgressed,
    EpochStarted,
    Paused,
    RunFailed,
    RunFinished,
    RunStarted,
)
from gensim_tui.callbacks.file_training import SPLIT_COPY_NAME
from gensim_tui.callbacks.rundir import RunDirectory
from gensim_tui.tui.app import MonitorApp
from gensim_tui.tui.view import RunState
from modeltypes_helpers import LEE, gzipped_halves, lee_lines, lee_word_count, repeated_lee, type_config
from support import EventRecorder, SessionThread, pause_mid_epoch
from test_model_types import check_document_probes

pytestmark = pytest.mark.timeout(300)

VARIANTS: dict[str, dict[str, Any]] = {
    "word2vec-cbow": {"model_type": "word2vec", "sg": 0},
    "word2vec-sg": {"model_type": "word2vec", "sg": 1},
    "fasttext": {"model_type": "fasttext"},
    "doc2vec": {"model_type": "doc2vec"},
}

EPOCH_PROGRESS = re.compile(r"^\s*epoch \d+ .* \d+%  ")
"""A progress panel row of an epoch, with its bar and percentage."""

LOSS_TOLERANCE = 0.03
"""Largest relative difference between two epoch losses measured in different ways on the same corpus.

Training draws different random numbers in each reader and thread count,
which moves the loss of an epoch on Lee by about 1%.
"""


def iterable_losses(corpus: Path | str, tmp_path: Path, **overrides: Any) -> list[float]:
    """Return the epoch losses of the same Word2Vec run trained with the iterable reader."""
    config = type_config(corpus, tmp_path / "iterable.model", "word2vec", **overrides)
    recorder = EventRecorder()
    result = TrainingSession(config, [recorder]).run()
    assert isinstance(result, RunFinished), result
    losses = [epoch.loss for epoch in recorder.of_type(EpochEnded)]
    assert all(loss is not None for loss in losses)
    return [float(loss) for loss in losses if loss is not None]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_trains_every_word_of_every_epoch(tmp_path: Path, variant: str) -> None:
    config = type_config(LEE, tmp_path / "model", corpus_file_mode=True, workers=2, **VARIANTS[variant])
    recorder = EventRecorder()

    result = TrainingSession(config, [recorder]).run()

    assert isinstance(result, RunFinished), result
    assert result.epochs_completed == config.epochs
    assert not result.stopped_early
    assert recorder.of_type(RunStarted)[0].corpus_file_mode
    words = lee_word_count()
    epochs = recorder.of_type(EpochEnded)
    assert [epoch.epoch for epoch in epochs] == [1, 2, 3]
    for epoch in epochs:
        assert epoch.words == words, f"epoch {epoch.epoch}"
        assert epoch.probes, f"epoch {epoch.epoch} has no probes"
        # gensim computes a loss for Word2Vec only.
        assert (epoch.loss is not None) is (config.model_type == "word2vec"), f"epoch {epoch.epoch}"
    assert result.words_trained == config.epochs * words
    assert Path(config.output).is_file()


@pytest.mark.parametrize("sg", [0, 1], ids=["cbow", "sg"])
def test_loss_matches_iterable_reader(tmp_path: Path, sg: int) -> None:
    corpus = repeated_lee(tmp_path, 2)
    expected = iterable_losses(corpus, tmp_path, sg=sg, workers=1)
    for workers in (1, 2):
        config = type_config(
            corpus, tmp_path / f"file-{workers}.model", "word2vec", corpus_file_mode=True, sg=sg, workers=workers
        )
        recorder = EventRecorder()
        result = TrainingSession(config, [recorder]).run()
        assert isinstance(result, RunFinished), result

        losses = [epoch.loss for epoch in recorder.of_type(EpochEnded)]

        for epoch, (loss, reference) in enumerate(zip(losses, expected, strict=True), start=1):
            assert loss is not None
            assert loss == pytest.approx(reference, rel=LOSS_TOLERANCE), f"{workers} workers, epoch {epoch}"


def uneven_corpus(folder: Path) -> Path:
    """Write Lee, then Lee again with each line's words joined into one token, and return the path.

    The words are dense in the first half of the bytes and sparse in the
    second. gensim 4.4 starts each corpus_file thread at an even share of the
    bytes but stops it after an even share of the words, so with two threads
    its own reader leaves the lines in between untrained.
    """
    lines = lee_lines()
    path = folder / "uneven.txt"
    path.write_text("\n".join([*lines, *("".join(line.split()) for line in lines)]) + "\n", encoding="utf-8")
    return path


def test_uneven_corpus_trains_every_word(tmp_path: Path) -> None:
    corpus = uneven_corpus(tmp_path)
    config = type_config(corpus, tmp_path / "word2vec.model", "word2vec", corpus_file_mode=True, workers=2)
    recorder = EventRecorder()

    result = TrainingSession(config, [recorder]).run()

    assert isinstance(result, RunFinished), result
    total = len(corpus.read_text(encoding="utf-8").split())
    assert [epoch.words for epoch in recorder.of_type(EpochEnded)] == [total] * config.epochs


def test_long_line_trains_in_split_copy(tmp_path: Path) -> None:
    corpus = tmp_path / "text8-like.txt"
    corpus.write_text(" ".join(lee_lines()), encoding="utf-8")
    original = corpus.read_bytes()
    config = type_config(corpus, tmp_path / "run" / "word2vec.model", "word2vec", corpus_file_mode=True)
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    recorder = EventRecorder()

    result = TrainingSession(config, [recorder], run_dir=run_dir).run()

    assert isinstance(result, RunFinished), result
    assert corpus.read_bytes() == original, "the user's corpus was changed"
    copy = (tmp_path / "run" / SPLIT_COPY_NAME).read_bytes()
    assert copy.replace(b"\n", b" ") == original
    assert [epoch.words for epoch in recorder.of_type(EpochEnded)] == [lee_word_count()] * config.epochs


def test_pause_holds_training_mid_epoch(tmp_path: Path) -> None:
    corpus = repeated_lee(tmp_path, 8)
    config = type_config(corpus, tmp_path / "model", "word2vec", corpus_file_mode=True, epochs=2)
    recorder = EventRecorder()
    session = TrainingSession(config, [recorder])
    thread = SessionThread(session)
    try:
        words = pause_mid_epoch(session)
        time.sleep(0.5)
        assert session.ledger.raw_words == words, "training went on while paused"
        assert session.resume()
    finally:
        result = thread.finish()

    assert isinstance(result, RunFinished), result
    assert result.epochs_completed == config.epochs
    assert len(recorder.of_type(Paused)) >= 1
    total = len(corpus.read_text(encoding="utf-8").split())
    assert [epoch.words for epoch in recorder.of_type(EpochEnded)] == [total] * config.epochs
    assert recorder.of_type(EpochProgressed), "no progress within an epoch"


@pytest.mark.parametrize("variant", ["word2vec-cbow", "fasttext", "doc2vec"])
def test_stop_mid_epoch_then_resume(tmp_path: Path, variant: str) -> None:
    corpus = repeated_lee(tmp_path, 4)
    config = type_config(corpus, tmp_path / "run" / "model", corpus_file_mode=True, epochs=3, **VARIANTS[variant])
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    first = TrainingSession(config, [EventRecorder()], run_dir=run_dir)
    thread = SessionThread(first)
    try:
        words_paused = pause_mid_epoch(first)
        assert first.stop("the test stops mid-epoch")
    finally:
        first.stop("the test ended")
        stopped = thread.finish()

    assert isinstance(stopped, RunFinished), stopped
    assert stopped.stopped_early
    checkpoint = run_dir.latest_checkpoint()
    assert checkpoint is not None
    assert checkpoint.epochs_completed == stopped.epochs_completed < config.epochs
    assert checkpoint.words_into_epoch == words_paused

    recorder = EventRecorder()
    resumed = TrainingSession(config, [recorder], run_dir=RunDirectory.open(str(tmp_path / "run")), resume=checkpoint)
    result = resumed.run()

    assert isinstance(result, RunFinished), result
    assert result.epochs_completed == config.epochs
    epochs = recorder.of_type(EpochEnded)
    assert [epoch.epoch for epoch in epochs] == list(range(checkpoint.epochs_completed + 1, config.epochs + 1))
    total = len(corpus.read_text(encoding="utf-8").split())
    # The cut epoch trains the rest of the file only, and counts the words trained before the stop.
    assert [epoch.words for epoch in epochs] == [total] * len(epochs)
    assert result.words_trained == total * len(epochs) - words_paused
    if config.model_type == "doc2vec":
        lines = corpus.read_text(encoding="utf-8").splitlines()
        for epoch in epochs:
            check_document_probes(epoch.probes, lines, epoch.epoch)


def test_validation_loss_measured(tmp_path: Path) -> None:
    validation = tmp_path / "validation.txt"
    validation.write_text("\n".join(lee_lines()[:30]) + "\n", encoding="utf-8")
    corpus = tmp_path / "training.txt"
    corpus.write_text("\n".join(lee_lines()[30:]) + "\n", encoding="utf-8")
    config = type_config(corpus, tmp_path / "model", "word2vec", corpus_file_mode=True, validation=str(validation))
    recorder = EventRecorder()

    result = TrainingSession(config, [recorder]).run()

    assert isinstance(result, RunFinished), result
    evaluated = recorder.of_type(EpochEvaluated)
    assert [event.epoch for event in evaluated] == [1, 2, 3]
    losses = [event.values["val_loss"] for event in evaluated]
    assert all(loss is not None and loss > 0 for loss in losses), losses


def test_corpus_changed_during_training_fails(tmp_path: Path) -> None:
    corpus = repeated_lee(tmp_path, 2)
    config = type_config(corpus, tmp_path / "run" / "word2vec.model", "word2vec", corpus_file_mode=True, epochs=4)
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    session = TrainingSession(config, run_dir=run_dir)

    def grow_corpus(event: object) -> None:
        if isinstance(event, EpochStarted) and event.epoch == 2:
            with corpus.open("a", encoding="utf-8") as file:
                file.write("a line added during training\n")

    session.sinks.append(grow_corpus)
    result = session.run()

    assert isinstance(result, RunFailed), result
    assert result.message == (
        f"corpus {corpus} changed size during training; restore the file before resuming this run, or start a new one"
    )
    assert result.saved_output is not None and Path(result.saved_output).is_file()


def gzipped_lee(folder: Path) -> Path:
    path = folder / "lee.cor.gz"
    path.write_bytes(gzip.compress(Path(LEE).read_bytes()))
    return path


@pytest.mark.parametrize("source", ["gz", "folder"])
def test_compressed_input_trains_plain_copy(tmp_path: Path, source: str) -> None:
    corpus = gzipped_lee(tmp_path) if source == "gz" else gzipped_halves(tmp_path / "halves")
    config = type_config(corpus, tmp_path / "run" / "word2vec.model", "word2vec", corpus_file_mode=True, workers=1)
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    recorder = EventRecorder()

    result = TrainingSession(config, [recorder], run_dir=run_dir).run()

    assert isinstance(result, RunFinished), result
    assert result.epochs_completed == config.epochs
    copy = tmp_path / "run" / PLAIN_COPY_NAME
    assert copy.read_text(encoding="utf-8").splitlines() == lee_lines()
    assert not (tmp_path / "run" / f"{PLAIN_COPY_NAME}.partial").exists()
    # Had gensim read the compressed bytes, its word counts would not match the text's.
    for epoch in recorder.of_type(EpochEnded):
        assert epoch.words == lee_word_count(), f"epoch {epoch.epoch}"


def test_copy_without_run_folder_goes_beside_model(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    config = type_config(gzipped_lee(tmp_path), tmp_path / "out" / "model", "fasttext", corpus_file_mode=True)

    result = TrainingSession(config).run()

    assert isinstance(result, RunFinished), result
    assert (tmp_path / "out" / PLAIN_COPY_NAME).read_text(encoding="utf-8").splitlines() == lee_lines()


def test_plain_file_not_copied(tmp_path: Path) -> None:
    config = type_config(LEE, tmp_path / "run" / "word2vec.model", "word2vec", corpus_file_mode=True, epochs=1)
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)

    result = TrainingSession(config, run_dir=run_dir).run()

    assert isinstance(result, RunFinished), result
    assert not (tmp_path / "run" / PLAIN_COPY_NAME).exists()


def test_corrupt_gz_fails_without_copy(tmp_path: Path) -> None:
    corpus = gzipped_lee(tmp_path)
    data = bytearray(corpus.read_bytes())
    data[-4000:-3900] = bytes(100)
    corpus.write_bytes(bytes(data))
    config = type_config(corpus, tmp_path / "run" / "word2vec.model", "word2vec", corpus_file_mode=True)
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    recorder = EventRecorder()

    result = TrainingSession(config, [recorder], run_dir=run_dir).run()

    assert isinstance(result, RunFailed), result
    assert f"cannot read corpus {corpus}" in result.message
    assert "\n" not in result.message
    assert recorder.of_type(EpochStarted) == []
    assert not (tmp_path / "run" / PLAIN_COPY_NAME).exists()
    assert not (tmp_path / "run" / f"{PLAIN_COPY_NAME}.partial").exists()
    assert not Path(config.output).exists()


async def test_screen_shows_progress_and_pauses(tmp_path: Path) -> None:
    corpus = repeated_lee(tmp_path, 12)
    config = type_config(corpus, tmp_path / "model", "word2vec", corpus_file_mode=True, epochs=30, probes=("police",))
    recorder = EventRecorder()
    session = TrainingSession(config, [recorder])
    app = MonitorApp(session)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_in_app(
                pilot, lambda: app.view.state is RunState.TRAINING and app.view.epoch >= 2, "the second epoch"
            )
            lines = await wait_for_screen(
                pilot,
                lambda lines: any(EPOCH_PROGRESS.match(line) for line in lines),
                "the epoch's progress in percent",
            )
            assert any("corpus_file" in line for line in lines), "the status line does not name the reader"

            await pilot.press("p")

            await wait_in_app(pilot, lambda: app.view.state is RunState.PAUSED, "the paused state")
            assert session.control.paused
            assert recorder.of_type(Paused)
    finally:
        finish_session(session)
