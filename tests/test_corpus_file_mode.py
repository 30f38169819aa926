"""Training with gensim's corpus_file reader: every model type, stop and pause, compressed and folder inputs, screen."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path
from typing import Any

import pytest
from apphelpers import finish_session, wait_for_screen
from apphelpers import wait_until as wait_in_app
from gensim_tui.callbacks import TrainingSession
from gensim_tui.callbacks.corpus_copy import PLAIN_COPY_NAME
from gensim_tui.callbacks.events import (
    EpochEnded,
    EpochProgressed,
    EpochStarted,
    Paused,
    RunFailed,
    RunFinished,
    RunStarted,
    StopRequested,
)
from gensim_tui.callbacks.rundir import RunDirectory
from gensim_tui.tui.app import MonitorApp
from gensim_tui.tui.view import RunState
from modeltypes_helpers import LEE, gzipped_halves, lee_lines, lee_word_count, repeated_lee, type_config
from support import EventRecorder, SessionThread

pytestmark = pytest.mark.timeout(300)

VARIANTS: dict[str, dict[str, Any]] = {
    "word2vec-cbow": {"model_type": "word2vec", "sg": 0},
    "word2vec-sg": {"model_type": "word2vec", "sg": 1},
    "fasttext": {"model_type": "fasttext"},
    "doc2vec": {"model_type": "doc2vec"},
}

NOT_MEASURED_NOTE = "progress within an epoch is not measured in corpus-file mode"

GENSIM_EPOCH_LOG = "EPOCH %i: training on %i raw words"
"""Start of the message that gensim 4.4 logs after each epoch, with the raw words it trained."""


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_trains_planned_epochs(tmp_path: Path, variant: str) -> None:
    # One worker thread, because with several threads gensim's corpus_file
    # reader trains some lines twice and others not at all (gensim 4.4). With
    # two threads on Lee, Word2Vec trains 60,417 raw words an epoch for 59,890.
    config = type_config(LEE, tmp_path / "model", corpus_file_mode=True, workers=1, **VARIANTS[variant])
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
        # gensim's float32 sum per thread is not exact, so no loss is shown even for Word2Vec.
        assert epoch.loss is None, f"epoch {epoch.epoch}"
        assert epoch.loss_delta is None, f"epoch {epoch.epoch}"
        assert epoch.probes, f"epoch {epoch.epoch} has no probes"
    assert recorder.of_type(EpochProgressed) == [], "corpus_file threads report nothing within an epoch"
    assert result.words_trained == config.epochs * words
    assert Path(config.output).is_file()


def gensim_epoch_words(caplog: pytest.LogCaptureFixture) -> list[int]:
    """Return the raw word count that gensim logged for each epoch, in order."""
    words = []
    for record in caplog.records:
        if str(record.msg).startswith(GENSIM_EPOCH_LOG):
            assert isinstance(record.args, tuple)
            raw_words = record.args[1]
            assert isinstance(raw_words, int), record.args
            words.append(raw_words)
    return words


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_two_threads_count_gensim_words(tmp_path: Path, variant: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gensim.models.word2vec")
    config = type_config(LEE, tmp_path / "model", corpus_file_mode=True, workers=2, **VARIANTS[variant])
    recorder = EventRecorder()

    result = TrainingSession(config, [recorder]).run()

    assert isinstance(result, RunFinished), result
    assert result.epochs_completed == config.epochs
    logged = gensim_epoch_words(caplog)
    assert len(logged) == config.epochs
    assert [epoch.words for epoch in recorder.of_type(EpochEnded)] == logged
    assert all(epoch.loss is None for epoch in recorder.of_type(EpochEnded))


def test_pause_rejected_while_training(tmp_path: Path) -> None:
    config = type_config(repeated_lee(tmp_path, 8), tmp_path / "model", "word2vec", corpus_file_mode=True)
    recorder = EventRecorder()
    session = TrainingSession(config, [recorder])
    thread = SessionThread(session)
    try:
        recorder.wait_for(EpochStarted)
        assert session.training, "training ended before pause() could be tried"

        paused = session.pause()

        assert paused is False
        assert not session.control.paused
    finally:
        result = thread.finish()

    assert isinstance(result, RunFinished), result
    assert result.epochs_completed == config.epochs
    assert recorder.of_type(Paused) == []


@pytest.mark.parametrize("variant", ["word2vec-cbow", "fasttext", "doc2vec"])
def test_stop_ends_after_current_epoch(tmp_path: Path, variant: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gensim.models.word2vec")
    corpus = repeated_lee(tmp_path, 4)
    config = type_config(corpus, tmp_path / "run" / "model", corpus_file_mode=True, epochs=5, **VARIANTS[variant])
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    recorder = EventRecorder()
    session = TrainingSession(config, [recorder], run_dir=run_dir)
    thread = SessionThread(session)
    try:
        recorder.wait_for(EpochStarted, lambda event: event.epoch == 2)
        assert session.stop("the test stops in epoch 2")
    finally:
        result = thread.finish()

    assert isinstance(result, RunFinished), result
    assert result.stopped_early
    [stop] = recorder.of_type(StopRequested)
    # The stop lands in epoch 2 unless that epoch ended first. Either way, that epoch is finished.
    assert result.epochs_completed == stop.epoch
    assert 1 <= result.epochs_completed < config.epochs
    epochs = recorder.of_type(EpochEnded)
    assert [epoch.epoch for epoch in epochs] == list(range(1, stop.epoch + 1))
    # gensim's threads read the same share of the file in every whole epoch.
    logged = gensim_epoch_words(caplog)
    assert [epoch.words for epoch in epochs] == logged
    assert len(set(logged)) == 1, f"the epoch in which the stop came trained other words: {logged}"
    assert result.words_trained == sum(epoch.words for epoch in epochs)
    # corpus_file training cannot start inside an epoch, so no mid-epoch checkpoint may exist.
    checkpoint = run_dir.latest_checkpoint()
    assert checkpoint is not None
    assert checkpoint.epochs_completed == stop.epoch
    assert checkpoint.words_into_epoch == 0
    assert Path(config.output).is_file()


def uneven_corpus(folder: Path) -> Path:
    """Write Lee, then Lee again with each line's words joined into one token, and return the path.

    The words are dense in the first half of the bytes and sparse in the
    second. gensim 4.4 starts each corpus_file thread at an even share of the
    bytes but stops it after an even share of the words. With two threads, the
    first stops well before the byte where the second starts, so the lines in
    between train in no thread and an epoch trains fewer words than the corpus has.
    """
    lines = lee_lines()
    path = folder / "uneven.txt"
    path.write_text("\n".join([*lines, *("".join(line.split()) for line in lines)]) + "\n", encoding="utf-8")
    return path


def test_stop_keeps_short_epoch_whole(tmp_path: Path) -> None:
    corpus = uneven_corpus(tmp_path)
    config = type_config(corpus, tmp_path / "run" / "word2vec.model", "word2vec", corpus_file_mode=True, epochs=4)
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    recorder = EventRecorder()
    session = TrainingSession(config, [recorder], run_dir=run_dir)

    def stop_in_epoch_2(event: object) -> None:
        if isinstance(event, EpochStarted) and event.epoch == 2:
            session.stop("the test stops in epoch 2")

    session.sinks.append(stop_in_epoch_2)
    result = session.run()

    assert isinstance(result, RunFinished), result
    epochs = recorder.of_type(EpochEnded)
    total = len(corpus.read_text(encoding="utf-8").split())
    assert epochs[0].words < total, "the corpus no longer makes gensim skip words; the test needs another layout"
    # gensim ran all of epoch 2 before the stop could act, so it counts as completed.
    assert result.epochs_completed == 2
    assert [epoch.epoch for epoch in epochs] == [1, 2]
    checkpoint = run_dir.latest_checkpoint()
    assert checkpoint is not None
    assert checkpoint.epochs_completed == 2
    assert checkpoint.words_into_epoch == 0


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


async def test_screen_says_progress_not_measured(tmp_path: Path) -> None:
    corpus = repeated_lee(tmp_path, 12)
    config = type_config(corpus, tmp_path / "model", "word2vec", corpus_file_mode=True, epochs=30, probes=("police",))
    recorder = EventRecorder()
    session = TrainingSession(config, [recorder])
    app = MonitorApp(session)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_in_app(
                pilot, lambda: app.view.state is RunState.TRAINING and app.view.epoch >= 1, "the first epoch"
            )
            lines = await wait_for_screen(
                pilot,
                lambda lines: any(NOT_MEASURED_NOTE in line for line in lines),
                "the corpus-file note in the progress panel",
            )
            note = next(line for line in lines if NOT_MEASURED_NOTE in line)
            assert note.lstrip().startswith("epoch "), note

            assert session.training, "training ended before p could be pressed"
            await pilot.press("p")

            # A successful pause would have sent Paused from within the key's action.
            assert recorder.of_type(Paused) == []
            assert not session.control.paused
            assert app.view.state is RunState.TRAINING
    finally:
        finish_session(session)
