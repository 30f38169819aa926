"""The monitor app driven by Textual's Pilot while gensim really trains in its worker thread."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from apphelpers import (
    LEE_COPIES,
    WAIT_SECONDS,
    app_config,
    finish_session,
    live_non_daemon_threads,
    load_model_in_fresh_python,
    repeated_corpus,
    wait_for_screen,
    wait_until,
)
from fixture_events import FROZEN_CLOCK, training_events
from gensim_tui.callbacks import TrainingSession
from gensim_tui.callbacks.events import EpochEnded, EpochProgressed, Paused
from gensim_tui.tui.app import MonitorApp, TrainingEventPosted
from gensim_tui.tui.epochs import EpochTable
from gensim_tui.tui.screens import HelpScreen, QuitScreen
from gensim_tui.tui.view import RunState
from textual.message import Message
from textual.pilot import Pilot

pytestmark = pytest.mark.timeout(300)

SIZE = (120, 40)


@pytest.fixture(scope="module")
def news_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus on which one epoch lasts one to two seconds, long enough to press keys mid-epoch."""
    return repeated_corpus(tmp_path_factory.mktemp("corpus"), LEE_COPIES)


@pytest.fixture(scope="module")
def short_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus for runs that only need to finish: three copies of the Lee corpus."""
    return repeated_corpus(tmp_path_factory.mktemp("short"), 3)


async def start_training(pilot: Pilot[int], session: TrainingSession) -> None:
    """Wait until the first epoch has trained some words."""
    app = pilot.app
    assert isinstance(app, MonitorApp)

    def started() -> bool:
        if app.view.failure is not None:
            raise AssertionError(f"training failed: {app.view.failure.message}")
        return app.view.state is RunState.TRAINING and session.ledger.raw_words > 0

    await wait_until(pilot, started, "training to start")


def training_progress(app: MonitorApp, session: TrainingSession) -> tuple[int, int]:
    """Return (finished epochs, words of the current epoch) as a measure of progress."""
    return len(app.view.rows), session.ledger.raw_words


async def settled_words(pilot: Pilot[int], session: TrainingSession) -> int:
    """Wait until the batches that were running when the pause began have finished, and return the word count.

    A pause stops the workers before their next batch, so the word count may
    still grow by the batches already running. It counts as settled once it
    stays the same over half a second. One batch of 10,000 words takes well
    under that at the 150k-400k words/s measured for these tests on two cores.
    """
    readings = [session.ledger.raw_words]
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        await pilot.pause(0.25)
        readings.append(session.ledger.raw_words)
        if len(readings) >= 3 and readings[-1] == readings[-2] == readings[-3]:
            return readings[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"the word count kept growing while paused: {readings[-10:]}")


async def test_pause_and_resume(tmp_path: Path, news_corpus: Path) -> None:
    session = TrainingSession(app_config(news_corpus, tmp_path / "model.w2v", epochs=20))
    app = MonitorApp(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await start_training(pilot, session)

            await pilot.press("p")
            await wait_until(pilot, lambda: app.view.state is RunState.PAUSED, "the paused state")
            assert session.control.paused
            frozen_words = await settled_words(pilot, session)
            assert app.view.state is RunState.PAUSED
            frozen_rows = len(app.view.rows)
            frozen_elapsed = app.view.elapsed_now(app.clock())

            # An observation window, not a speed check: nothing may train during it.
            await pilot.pause(1.0)
            assert session.ledger.raw_words == frozen_words
            assert len(app.view.rows) == frozen_rows
            assert app.view.elapsed_now(app.clock()) == frozen_elapsed
            await wait_for_screen(pilot, lambda lines: " paused " in lines[1], "'paused' on the status line")

            await pilot.press("p")
            await wait_until(pilot, lambda: app.view.state is RunState.TRAINING, "the training state after resuming")
            assert not session.control.paused
            await wait_until(
                pilot,
                lambda: training_progress(app, session) > (frozen_rows, frozen_words),
                "words trained after resuming",
            )
            await wait_for_screen(pilot, lambda lines: " training " in lines[1], "'training' on the status line")
    finally:
        finish_session(session)


async def test_stop_saves_loadable_model(tmp_path: Path, news_corpus: Path) -> None:
    output = tmp_path / "model.w2v"
    session = TrainingSession(app_config(news_corpus, output, epochs=10))
    app = MonitorApp(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: len(app.view.rows) >= 1, "the first epoch to end")
            await pilot.press("s")
            await wait_until(pilot, lambda: app.view.finished is not None, "the run to finish after the stop")

            finished = app.view.finished
            assert finished is not None
            assert finished.stopped_early
            assert finished.output == str(output)
            completed = finished.epochs_completed
            assert 1 <= completed < 10
            assert completed == len(app.view.rows)
            assert app.view.state is RunState.STOPPED
            label = f"stopped early after epoch {completed} of 10"
            await wait_for_screen(pilot, lambda lines: label in lines[1], f"'{label}' on the status line")

            # Keys that steer training do nothing once it has ended.
            await pilot.press("p", "s")
            await pilot.pause()
            assert app.view.state is RunState.STOPPED
            assert not session.control.paused
    finally:
        finish_session(session)

    report = load_model_in_fresh_python(output, cwd=tmp_path)
    assert report["gensim_tui_modules"] == []
    assert app.view.vocabulary is not None
    assert report["words"] == app.view.vocabulary.vocabulary_size
    assert report["vector_size"] == 20


async def test_full_run_fills_table(tmp_path: Path, short_corpus: Path) -> None:
    config = app_config(short_corpus, tmp_path / "model.w2v", epochs=3)
    session = TrainingSession(config)
    ended: list[EpochEnded] = []

    def record(message: Message) -> None:
        if isinstance(message, TrainingEventPosted) and isinstance(message.event, EpochEnded):
            ended.append(message.event)

    app = MonitorApp(session)
    try:
        async with app.run_test(size=SIZE, message_hook=record) as pilot:
            await wait_until(pilot, lambda: app.view.state is RunState.FINISHED, "the run to finish")
            await pilot.pause()
            table = app.query_one(EpochTable)

            assert [event.epoch for event in ended] == [1, 2, 3]
            assert table.row_count == len(ended)
            assert table.row_count == config.epochs
            assert len(app.view.rows) == config.epochs
            await wait_for_screen(pilot, lambda lines: " finished " in lines[1], "'finished' on the status line")
            await wait_for_screen(pilot, lambda lines: any("3/3 epochs" in line for line in lines), "'3/3 epochs'")
    finally:
        finish_session(session)


async def test_quit_asks_then_saves(tmp_path: Path, news_corpus: Path) -> None:
    output = tmp_path / "model.w2v"
    session = TrainingSession(app_config(news_corpus, output, epochs=20))
    app = MonitorApp(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await start_training(pilot, session)

            await pilot.press("q")
            await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen), "the quit dialog")
            await wait_for_screen(
                pilot,
                lambda lines: any("Training is still running." in line for line in lines),
                "the question of the quit dialog",
            )
            await pilot.press("n")
            await wait_until(pilot, lambda: not isinstance(app.screen, QuitScreen), "the quit dialog to close")
            assert not session.control.stop_requested
            assert app.view.state is RunState.TRAINING
            progress = training_progress(app, session)
            await wait_until(pilot, lambda: training_progress(app, session) > progress, "training to go on after 'n'")

            await pilot.press("q")
            await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen), "the quit dialog again")
            await pilot.press("y")
            await wait_until(pilot, lambda: app.return_code is not None, "the app to exit after 'y'")
        assert app.return_code == 0
    finally:
        finish_session(session)

    assert session.control.stop_requested
    assert app.view.finished is not None
    assert app.view.finished.stopped_early
    assert output.is_file()
    # Textual runs thread workers in the event loop's default executor, whose
    # idle threads stay alive until it is shut down. Shutting it down joins
    # them, so a training thread still running would hold this up.
    await asyncio.wait_for(asyncio.get_running_loop().shutdown_default_executor(), WAIT_SECONDS)
    assert live_non_daemon_threads() == []


async def test_quit_while_paused(tmp_path: Path, news_corpus: Path) -> None:
    output = tmp_path / "model.w2v"
    session = TrainingSession(app_config(news_corpus, output, epochs=20))
    app = MonitorApp(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await start_training(pilot, session)
            await pilot.press("p")
            await wait_until(pilot, lambda: app.view.state is RunState.PAUSED, "the paused state")

            await pilot.press("q")
            await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen), "the quit dialog")
            await pilot.press("y")
            await wait_until(pilot, lambda: app.return_code is not None, "the app to exit after 'y'")
        assert app.return_code == 0
    finally:
        finish_session(session)

    assert app.view.finished is not None
    assert app.view.finished.stopped_early
    assert output.is_file()


async def test_help_opens_and_closes(tmp_path: Path, news_corpus: Path) -> None:
    session = TrainingSession(app_config(news_corpus, tmp_path / "model.w2v", epochs=20))
    app = MonitorApp(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await start_training(pilot, session)

            await pilot.press("question_mark")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
            lines = await wait_for_screen(
                pilot, lambda lines: any("gensim-tui keys" in line for line in lines), "the help text"
            )
            assert any("stop early" in line for line in lines)

            # Events keep updating the screen underneath the help.
            rows = len(app.view.rows)
            await wait_until(pilot, lambda: len(app.view.rows) > rows, "an epoch to end while the help is open")
            assert isinstance(app.screen, HelpScreen)
            assert app.query_one(EpochTable).row_count == len(app.view.rows)

            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), "the help screen to close")
            await wait_for_screen(
                pilot, lambda lines: not any("gensim-tui keys" in line for line in lines), "the help text to go"
            )
            assert app.view.state is RunState.TRAINING
    finally:
        finish_session(session)


async def test_empty_corpus_exits_with_error(tmp_path: Path) -> None:
    corpus = tmp_path / "blank.txt"
    corpus.write_text("\n\n   \n\t\n\n", encoding="utf-8")
    output = tmp_path / "model.w2v"
    session = TrainingSession(app_config(corpus, output))
    app = MonitorApp(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.return_code is not None, "the app to exit")
    finally:
        finish_session(session)

    assert app.view.state is RunState.FAILED
    failure = app.view.failure
    assert failure is not None
    assert "corpus is empty" in failure.message
    assert str(corpus) in failure.message
    assert not output.exists()
    assert app.return_code == 1


async def test_late_progress_keeps_pause_clock() -> None:
    """A progress sample from a batch that finished after the pause must not restart the elapsed clock."""
    readings = [FROZEN_CLOCK]
    app = MonitorApp(clock=lambda: readings[-1])
    async with app.run_test(size=SIZE) as pilot:
        for event in training_events():
            app.apply_event(event)
        app.apply_event(Paused(4, 2.9))
        readings.append(FROZEN_CLOCK + 0.1)
        app.apply_event(EpochProgressed(4, 5, 160_000, 358_000, 430_000.0, 2.91))
        await pilot.pause()
        at_pause = app.view.elapsed_now(app.clock())

        readings.append(FROZEN_CLOCK + 60.0)
        assert app.view.state is RunState.PAUSED
        assert app.view.elapsed_now(app.clock()) == at_pause
